/**
 * HKDF (RFC 5869) over an HMAC function, so any HMAC (portable hmac.ts over a native hash,
 * or a library's) gives the KDF that OSCORE (RFC 8613 §3.2) and COSE ECDH-ES use.
 */
import { fail } from '../errors.ts';
import type { MacFunction } from './hmac.ts';

/** PRK = HMAC(salt, IKM); an empty salt means HashLen zero bytes (RFC 5869 §2.2). */
export function hkdfExtract(mac: MacFunction, hashLength: number, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return mac(salt.length > 0 ? salt : new Uint8Array(hashLength), ikm);
}

/** OKM = first L bytes of T(1) || T(2) || ..., T(i) = HMAC(PRK, T(i-1) || info || i) (§2.3). */
export function hkdfExpand(mac: MacFunction, hashLength: number, prk: Uint8Array, info: Uint8Array,
  length: number): Uint8Array {
  if (!(length >= 0 && length <= 255 * hashLength && Math.floor(length) === length)) {
    fail('bad_request', 'HKDF length must be an integer from 0 to 255*HashLen');
  }
  const okm = new Uint8Array(length);
  const input = new Uint8Array(hashLength + info.length + 1);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, pos = 0; pos < length; i++, pos += hashLength) {
    // T(0) is empty, so the first input is shorter
    input.set(t, 0);
    input.set(info, t.length);
    input[t.length + info.length] = i;
    t = mac(prk, input.subarray(0, t.length + info.length + 1));
    okm.set(length - pos < hashLength ? t.subarray(0, length - pos) : t, pos);
  }
  input.fill(0);
  t.fill(0);
  return okm;
}

export function hkdf(mac: MacFunction, hashLength: number, ikm: Uint8Array, salt: Uint8Array,
  info: Uint8Array, length: number): Uint8Array {
  const prk = hkdfExtract(mac, hashLength, salt, ikm);
  const okm = hkdfExpand(mac, hashLength, prk, info, length);
  prk.fill(0);
  return okm;
}
