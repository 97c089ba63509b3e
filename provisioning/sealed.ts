/**
 * The sealed file form every file of this tool shares with the device keystore
 * (device/runtime/keystore.ts): CBOR [magic: text, version: uint, payload: bstr,
 * sha256(payload): bstr]. The magic says what the file is, the version how to read it, and
 * the digest refuses a truncated or corrupted file whole (the keystore is parsed by the
 * device's own code; this module reads any of the kinds for the CLI's messages).
 */
import { CborMap, CborValue, decode, encode } from '../device/codec/cbor.ts';
import { constantTimeEqual } from '../device/codec/bytes.ts';
import { KEYSTORE_MAGIC, KEYSTORE_VERSION } from '../device/runtime/keystore.ts';
import { fail } from '../device/errors.ts';

export type Sha256 = (data: Uint8Array) => Uint8Array;

export const AS_MAGIC = 'ace-as-keys';
export const AS_VERSION = 1;
export const ANCHORS_MAGIC = 'ace-as-anchors';
export const ANCHORS_VERSION = 1;
export const RECORD_MAGIC = 'ace-device-record';
export const RECORD_VERSION = 1;

/** What each magic is called in messages, and the version this tool reads. */
export const SEALED_KINDS: { [magic: string]: { what: string; version: number } } = {
  [KEYSTORE_MAGIC]: { what: 'device keystore', version: KEYSTORE_VERSION },
  [AS_MAGIC]: { what: 'AS key file', version: AS_VERSION },
  [ANCHORS_MAGIC]: { what: 'AS trust anchors file', version: ANCHORS_VERSION },
  [RECORD_MAGIC]: { what: 'device registration record', version: RECORD_VERSION },
};

function article(what: string): string {
  return (/^[aeiouAEIO]/.test(what) ? 'an ' : 'a ') + what;
}

export function seal(magic: string, payload: CborMap, sha256: Sha256): Uint8Array {
  const body = encode(payload);
  return encode([magic, SEALED_KINDS[magic].version, body, sha256(body)]);
}

/** The magic of a sealed file of any kind this tool knows, or null. */
export function sniffMagic(bytes: Uint8Array): string | null {
  let v: CborValue;
  try {
    v = decode(bytes);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 4 || typeof v[0] !== 'string') return null;
  return SEALED_KINDS[v[0]] ? v[0] : null;
}

export interface Opened {
  magic: string;
  version: number;
  payload: CborMap;
  /** The raw payload bytes (what the digest covers). */
  body: Uint8Array;
}

/**
 * Opens a sealed file of kind `magic`; `where` names the file in messages. Wrong kind,
 * version, digest or shape is one clear failure.
 */
export function openSealed(bytes: Uint8Array, magic: string, where: string, sha256: Sha256): Opened {
  const want = SEALED_KINDS[magic];
  let outer: CborValue;
  try {
    outer = decode(bytes);
  } catch {
    return fail('bad_request', where + ': not ' + article(want.what) + ' (not CBOR: truncated or corrupted?)');
  }
  if (!Array.isArray(outer) || outer.length !== 4 || typeof outer[0] !== 'string') return fail('bad_request', where + ': not ' + article(want.what));
  const found = SEALED_KINDS[outer[0]];
  if (outer[0] !== magic) return fail('bad_request', where + ' is ' + (found ? article(found.what) : 'of an unknown kind') + ', not ' + article(want.what));
  if (outer[1] !== want.version) return fail('bad_request', where + ': ' + want.what + ' version ' + String(outer[1]) + ' is not supported (this tool reads version ' + want.version + ')');
  const body = outer[2];
  const digest = outer[3];
  if (!(body instanceof Uint8Array) || !(digest instanceof Uint8Array)) return fail('bad_request', where + ': malformed ' + want.what);
  if (!constantTimeEqual(sha256(body), digest)) return fail('bad_request', where + ': integrity check failed (corrupted?)');
  let payload: CborValue;
  try {
    payload = decode(body);
  } catch {
    return fail('bad_request', where + ': ' + want.what + ' payload is not CBOR');
  }
  if (!(payload instanceof CborMap)) return fail('bad_request', where + ': ' + want.what + ' payload is not a map');
  return { magic, version: want.version, payload, body };
}
