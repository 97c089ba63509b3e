/**
 * What an attacker can do to a token's bytes without the AS's key: rewrite a claim and keep
 * the old signature, flip a bit, cut it short. (COSE_Sign1 CWT: [protected, unprotected,
 * payload, signature], possibly inside tags 61 and 18.)
 */
import { CborMap, CborTag, portableCbor } from '../../../device/codec/cbor.ts';
import type { CborValue } from '../../../device/codec/cbor.ts';

function rewrap(v: CborValue, fn: (a: CborValue[]) => CborValue[]): CborValue {
  if (v instanceof CborTag) return new CborTag(v.tag, rewrap(v.value, fn));
  if (Array.isArray(v)) return fn(v);
  throw new Error('not a COSE structure');
}

/** The claims of a Sign1 CWT edited, the signature kept: what a forger can produce. */
export function withClaim(token: Uint8Array, key: number, value: CborValue): Uint8Array {
  return portableCbor.encode(rewrap(portableCbor.decode(token), (a) => {
    const claims = portableCbor.decode(a[2] as Uint8Array) as CborMap;
    claims.set(key, value);
    return [a[0], a[1], portableCbor.encode(claims), a[3]];
  }));
}

/** The claims map of a Sign1 CWT (what anyone can read: CWTs are signed, not encrypted). */
export function claimsOf(token: Uint8Array): CborMap {
  let v = portableCbor.decode(token);
  while (v instanceof CborTag) v = v.value;
  return portableCbor.decode((v as CborValue[])[2] as Uint8Array) as CborMap;
}

export function flipLastBit(token: Uint8Array): Uint8Array {
  const t = token.slice();
  t[t.length - 1] ^= 1;
  return t;
}
