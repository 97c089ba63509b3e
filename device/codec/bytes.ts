/** Byte helpers for the portable core: hex, UTF-8 (written by hand: Espruino has no TextEncoder). */
import { fail } from '../errors.ts';

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (let i = 0; i < parts.length; i++) length += parts[i].length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i], offset);
    offset += parts[i].length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares in time independent of where the inputs differ (for tags and MACs). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) fail('bad_request', 'hex string has odd length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = HEX.indexOf(hex[2 * i].toLowerCase());
    const lo = HEX.indexOf(hex[2 * i + 1].toLowerCase());
    if (hi < 0 || lo < 0) fail('bad_request', 'not a hex string');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/**
 * UTF-8 of a string. A lone surrogate has no UTF-8 form and is refused rather than replaced.
 * (Espruino's charCodeAt gives whole code points, beyond 0xffff too, on builds with Unicode.)
 */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xe000) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c >= 0xdc00 || next < 0xdc00 || next >= 0xe000) fail('unsupported_cbor', 'lone surrogate in text');
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

/** Strict UTF-8 decoding: overlong forms, surrogates and truncation are refused. */
export function utf8Decode(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let c: number;
    let extra: number;
    let min: number;
    if (b < 0x80) { c = b; extra = 0; min = 0; }
    else if (b >= 0xc2 && b < 0xe0) { c = b & 0x1f; extra = 1; min = 0x80; }
    else if (b >= 0xe0 && b < 0xf0) { c = b & 0x0f; extra = 2; min = 0x800; }
    else if (b >= 0xf0 && b < 0xf5) { c = b & 0x07; extra = 3; min = 0x10000; }
    else return fail('malformed_cbor', 'invalid UTF-8');
    if (i + extra >= bytes.length) fail('malformed_cbor', 'truncated UTF-8');
    for (let k = 1; k <= extra; k++) {
      const cont = bytes[i + k];
      if ((cont & 0xc0) !== 0x80) fail('malformed_cbor', 'invalid UTF-8');
      c = (c << 6) | (cont & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) fail('malformed_cbor', 'invalid UTF-8');
    // `s = s + x`, not `s += x`: on Espruino with Unicode, += appends a wide character's raw
    // UTF-8 bytes as separate characters (measured, 2v29); a bundler's minifier must not rewrite it
    s = s + (c < 0x100 ? String.fromCharCode(c) : wideChar(c));
    i += extra + 1;
  }
  return s;
}

function hex4(c: number): string {
  return HEX[c >> 12] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
}

/**
 * The character of a code point above 0xff. Espruino's String.fromCharCode keeps only 8 bits,
 * while a JSON \u escape makes the character on Node and on Espruino builds with Unicode; a build
 * without Unicode (most boards) truncates that too, so the result is checked and refused rather
 * than corrupted.
 */
function wideChar(c: number): string {
  let s: string;
  if (c < 0x10000) s = JSON.parse('"\\u' + hex4(c) + '"');
  else {
    const v = c - 0x10000;
    s = JSON.parse('"\\u' + hex4(0xd800 + (v >> 10)) + '\\u' + hex4(0xdc00 + (v & 0x3ff)) + '"');
  }
  const first = s.charCodeAt(0);
  // Node: one UTF-16 unit or a surrogate pair; Espruino with Unicode: one code point
  if (first !== c && !(c >= 0x10000 && first === 0xd800 + ((c - 0x10000) >> 10))) {
    fail('unsupported_cbor', 'text beyond Latin-1 on an interpreter without Unicode');
  }
  return s;
}
