/**
 * Storage on Espruino's flash `Storage` module (portable subset). File names there are at most
 * 28 characters, so a key maps to "s." + key when it fits and is plain ASCII, else to a
 * deterministic short form: its first 16 characters, "~", and an 8-hex-digit hash of the
 * whole key (a key containing "~" always takes the hashed form, so the two never collide).
 * Each file holds a version byte, then the value (Storage refuses zero-length files).
 */
import type { Storage } from '../../storage.ts';

/** The part of `require("Storage")` used here. */
export interface EspruinoStorageModule {
  read(name: string): string | undefined;
  write(name: string, data: string): unknown;
  erase(name: string): unknown;
}

/** The flash file the keystore (keystore.cbor of `ace-provision device`) is written to, as is. */
export const KEYSTORE_FILE = 'ace-keystore';
export const MAX_NAME = 28;
const PREFIX = 's.';
const FORMAT = 1;

/** A 32-bit multiplicative string hash, exact in doubles (no Math.imul on Espruino). */
function hash32(s: string): number {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = (h * 33 + s.charCodeAt(i)) % 4294967296;
  return h;
}

function hex8(n: number): string {
  const digits = '0123456789abcdef';
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = digits[n % 16] + out;
    n = Math.floor(n / 16);
  }
  return out;
}

function plain(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x7e) return false;
  }
  return true;
}

/** The flash file name of a storage key (at most 28 characters). */
export function fileNameOf(key: string): string {
  if (PREFIX.length + key.length <= MAX_NAME && plain(key)) return PREFIX + key;
  let head = '';
  for (let i = 0; i < key.length && head.length < 16; i++) {
    const c = key.charCodeAt(i);
    head = head + (c >= 0x21 && c < 0x7e ? key.charAt(i) : '_');
  }
  return PREFIX + head + '~' + hex8(hash32(key));
}

export function bytesToString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s = s + String.fromCharCode(bytes[i]);
  return s;
}

export function stringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export class EspruinoStorage implements Storage {
  constructor(private readonly flash: EspruinoStorageModule) {}

  read(key: string): Uint8Array | null {
    const s = this.flash.read(fileNameOf(key));
    if (s === undefined || s === null || s.length < 1 || s.charCodeAt(0) !== FORMAT) return null;
    return stringToBytes(s.substring(1));
  }

  /** Storage.write replaces the file whole (the old copy is erased after the new is written). */
  write(key: string, value: Uint8Array): void {
    this.flash.write(fileNameOf(key), String.fromCharCode(FORMAT) + bytesToString(value));
  }

  remove(key: string): void {
    this.flash.erase(fileNameOf(key));
  }
}
