/**
 * Argument checks at the provider boundary, shared by every provider so that all of them
 * refuse the same inputs with the same CoreError kinds.
 */
import { fail } from '../errors.ts';
import { Alg, Curve, aeadParams } from './provider.ts';
import type { AeadParams } from './provider.ts';

/** What a provider with full public-key crypto implements (COSE algorithm numbers). */
export const FULL_ALGS: number[] = [
  Alg.AES_CCM_16_64_128, Alg.AES_CCM_16_128_128, Alg.A128GCM, Alg.A256GCM, Alg.ChaCha20Poly1305,
  Alg.HMAC_256_64, Alg.HMAC_256_256, Alg.HKDF_SHA_256,
  Alg.EdDSA, Alg.ES256, Alg.ECDH_ES_HKDF_256,
];
export const FULL_CURVES: number[] = [Curve.P256, Curve.X25519, Curve.Ed25519];

export function checkBytes(value: unknown, what: string): void {
  if (!(value instanceof Uint8Array)) fail('bad_request', what + ' must be a byte string');
}

export function checkLength(length: number): void {
  if (!(typeof length === 'number' && length >= 0 && Math.floor(length) === length)) {
    fail('bad_request', 'length must be a non-negative integer');
  }
}

/** Checks an AEAD call; ciphertext length is not checked (a short one simply fails to verify). */
export function checkAead(alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array,
  data: Uint8Array): AeadParams {
  const params = aeadParams(alg);
  if (!params) return fail('unsupported_algorithm', 'not an AEAD: ' + alg);
  checkBytes(key, 'key');
  checkBytes(nonce, 'nonce');
  checkBytes(aad, 'aad');
  checkBytes(data, 'data');
  if (key.length !== params.keyLength) fail('malformed_key', 'AEAD key must be ' + params.keyLength + ' bytes');
  if (nonce.length !== params.nonceLength) fail('bad_request', 'AEAD nonce must be ' + params.nonceLength + ' bytes');
  return params;
}

/**
 * The COSE AES-CCM algorithms use 13-byte nonces, so L = 2 and a message has fewer than
 * 2^16 bytes (RFC 9053 §4.2); the other AEADs allow far more than a device ever holds.
 */
export function checkPlaintextLength(alg: number, length: number): void {
  const ccm = alg === Alg.AES_CCM_16_64_128 || alg === Alg.AES_CCM_16_128_128;
  if (ccm && length > 0xffff) fail('too_large', 'AES-CCM-16 message longer than 65535 bytes');
}

/** The curve of a signature algorithm. */
export function signatureCurve(alg: number): number {
  if (alg === Alg.EdDSA) return Curve.Ed25519;
  if (alg === Alg.ES256) return Curve.P256;
  return fail('unsupported_algorithm', 'not a signature algorithm: ' + alg);
}

export function checkEcdhCurve(curve: number): void {
  if (curve !== Curve.X25519 && curve !== Curve.P256) fail('unsupported_algorithm', 'not an ECDH curve: ' + curve);
}

export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i];
  return acc === 0;
}

export const SIGNATURE_LENGTH = 64; // EdDSA (RFC 8032 §5.1.6) and ES256 r || s (RFC 9053 §2.1)
