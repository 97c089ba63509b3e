/**
 * Raw key formats of the three curves (as provider.ts and COSE_Key carry them), their
 * well-formedness checks, and private keys drawn from a random source. Shared by every
 * provider so that the same random stream gives the same keys on all of them.
 */
import { fail } from '../errors.ts';
import { Curve } from './provider.ts';
import type { KeyPair } from './provider.ts';

/** Bounded rejection sampling: a broken random source fails instead of looping forever. */
const MAX_DRAWS = 64;

/** Order n of the P-256 group (SEC 2 §2.4.2 / FIPS 186-5), big-endian. */
const P256_ORDER = [
  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/** SEC 1 §2.3.3 tag of an uncompressed point. */
export const UNCOMPRESSED = 0x04;

export function checkCurve(curve: number): void {
  if (curve !== Curve.P256 && curve !== Curve.X25519 && curve !== Curve.Ed25519) {
    fail('unsupported_algorithm', 'unknown curve ' + curve);
  }
}

export function publicKeyLength(curve: number): number {
  return curve === Curve.P256 ? 65 : 32;
}

/** 1 <= d < n, compared byte by byte (no BigInt on Espruino). */
export function isP256Scalar(d: Uint8Array): boolean {
  if (d.length !== 32) return false;
  let nonZero = 0;
  for (let i = 0; i < 32; i++) nonZero |= d[i];
  if (nonZero === 0) return false;
  for (let i = 0; i < 32; i++) {
    if (d[i] !== P256_ORDER[i]) return d[i] < P256_ORDER[i];
  }
  return false; // d === n
}

export function isValidPrivateKey(curve: number, key: Uint8Array): boolean {
  if (!(key instanceof Uint8Array) || key.length !== 32) return false;
  return curve !== Curve.P256 || isP256Scalar(key);
}

/** Length and encoding only; whether a P-256 point is on the curve is the provider's check. */
export function isWellFormedPublicKey(curve: number, key: Uint8Array): boolean {
  if (!(key instanceof Uint8Array) || key.length !== publicKeyLength(curve)) return false;
  return curve !== Curve.P256 || key[0] === UNCOMPRESSED;
}

export function checkPrivateKey(curve: number, key: Uint8Array): void {
  checkCurve(curve);
  if (!isValidPrivateKey(curve, key)) fail('malformed_key', 'invalid private key');
}

/** A private key from the random source: 32 bytes, for P-256 redrawn until 1 <= d < n. */
export function randomPrivateKey(curve: number, randomBytes: (length: number) => Uint8Array): Uint8Array {
  checkCurve(curve);
  for (let i = 0; i < MAX_DRAWS; i++) {
    const key = randomBytes(32);
    if (isValidPrivateKey(curve, key)) return key;
  }
  return fail('internal', 'random source gives no valid key');
}

/** A key pair from a random source and the provider's public-key derivation (one way for every provider). */
export function generateKeyPairWith(curve: number, random: (length: number) => Uint8Array,
  publicKeyOf: (curve: number, privateKey: Uint8Array) => Uint8Array): KeyPair {
  checkCurve(curve);
  const privateKey = randomPrivateKey(curve, random);
  return { curve: curve, privateKey: privateKey, publicKey: publicKeyOf(curve, privateKey) };
}
