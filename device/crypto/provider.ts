/**
 * The crypto provider contract. Synchronous: node:crypto, noble and Espruino's native module
 * all are, and a sync interface keeps the hot path free of promise overhead.
 *
 * Algorithms are named by their COSE numbers (IANA "COSE Algorithms"); curves by their COSE
 * "Elliptic Curves" numbers. A provider states what it has (`supports`), so a board without
 * public-key crypto refuses EdDSA/ES256 with a clear error instead of failing deep inside.
 *
 * Key encodings (raw, as COSE_Key carries them):
 * - Ed25519: private = 32-byte seed, public = 32 bytes.
 * - X25519: private = 32 bytes, public = 32 bytes.
 * - P-256: private = 32-byte scalar d, public = 65-byte uncompressed point 04 || x || y.
 * Signatures: EdDSA 64 bytes; ES256 is r || s, 64 bytes (RFC 9053 §2.1), hash SHA-256.
 */

export const enum Alg {
  // signatures (RFC 9053 §2)
  ES256 = -7,
  EdDSA = -8,
  // ECDH (RFC 9053 §6.3)
  ECDH_ES_HKDF_256 = -25,
  // MACs (RFC 9053 §3.1)
  HMAC_256_64 = 4,
  HMAC_256_256 = 5,
  // AEADs (RFC 9053 §4)
  A128GCM = 1,
  A256GCM = 3,
  AES_CCM_16_64_128 = 10,
  AES_CCM_16_128_128 = 30,
  ChaCha20Poly1305 = 24,
  // HKDF as a COSE algorithm (OSCORE's default HKDF, RFC 8613 §3.2.1)
  HKDF_SHA_256 = -10,
}

export const enum Curve {
  P256 = 1,
  X25519 = 4,
  Ed25519 = 6,
}

export interface KeyPair {
  curve: Curve;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Key, nonce and tag lengths of the AEADs the project knows (RFC 9053 §4, RFC 8439). */
export interface AeadParams {
  keyLength: number;
  nonceLength: number;
  tagLength: number;
}

export function aeadParams(alg: number): AeadParams | undefined {
  switch (alg) {
    case Alg.AES_CCM_16_64_128: return { keyLength: 16, nonceLength: 13, tagLength: 8 };
    case Alg.AES_CCM_16_128_128: return { keyLength: 16, nonceLength: 13, tagLength: 16 };
    case Alg.A128GCM: return { keyLength: 16, nonceLength: 12, tagLength: 16 };
    case Alg.A256GCM: return { keyLength: 32, nonceLength: 12, tagLength: 16 };
    case Alg.ChaCha20Poly1305: return { keyLength: 32, nonceLength: 12, tagLength: 16 };
    default: return undefined;
  }
}

export interface CryptoProvider {
  readonly name: string;
  /** Whether this provider implements the COSE algorithm (or curve, via supportsCurve). */
  supports(alg: number): boolean;
  supportsCurve(curve: number): boolean;

  /** CSPRNG bytes (a seeded generator only in the simulator). */
  randomBytes(length: number): Uint8Array;

  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA-256 (RFC 5869); an empty salt means HashLen zero bytes. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  /** Returns ciphertext || tag. Throws CoreError 'unsupported_algorithm' for an unknown alg. */
  aeadEncrypt(alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext, or null when the tag does not verify (never throws for that). */
  aeadDecrypt(alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;

  /** alg is Alg.EdDSA or Alg.ES256. */
  sign(alg: number, privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** False for any bad signature or bad key; never throws for those. */
  verify(alg: number, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;

  generateKeyPair(curve: Curve): KeyPair;
  publicKeyOf(curve: Curve, privateKey: Uint8Array): Uint8Array;
  /** Raw shared secret (x-coordinate for P-256); throws CoreError 'malformed_key' on an invalid peer key. */
  ecdh(curve: Curve, privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
}
