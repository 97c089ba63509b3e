/**
 * CryptoProvider on node:crypto (OpenSSL): the fast path for Node hosts, the simulator and
 * tools. Behaves exactly as the noble provider: same checks, same errors, same outputs.
 */
import * as nc from 'node:crypto';
import { fail } from '../../errors.ts';
import { Alg, Curve } from '../provider.ts';
import type { CryptoProvider, KeyPair } from '../provider.ts';
import type { BlockEncrypt } from '../ccm.ts';
import { FULL_ALGS, FULL_CURVES, SIGNATURE_LENGTH, checkAead, checkBytes, checkEcdhCurve, checkLength,
  checkPlaintextLength, isAllZero, signatureCurve } from '../checks.ts';
import { checkPrivateKey, generateKeyPairWith, isWellFormedPublicKey } from '../keys.ts';
import { PublicKeyCache, importPrivateKey, okpPublicKey, p256PublicKey } from './keys.ts';

export interface ProviderOptions {
  /** Replaces the CSPRNG (the simulator's seeded runs); keys are generated from it too. */
  randomBytes?: (length: number) => Uint8Array;
  /** Public KeyObjects kept for reuse (default 64; 0 imports every time). */
  publicKeyCacheSize?: number;
}

const HASH_LENGTH = 32;

const CIPHER: { [alg: number]: string } = {
  [Alg.AES_CCM_16_64_128]: 'aes-128-ccm',
  [Alg.AES_CCM_16_128_128]: 'aes-128-ccm',
  [Alg.A128GCM]: 'aes-128-gcm',
  [Alg.A256GCM]: 'aes-256-gcm',
  [Alg.ChaCha20Poly1305]: 'chacha20-poly1305',
};

/** node's typings split AEAD ciphers by mode; all three take the same calls used here. */
type Aead = nc.CipherCCMTypes;

/** A copy as a plain Uint8Array (node returns Buffers, often views into a shared pool). */
function plain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf);
}

/**
 * A zero-length view with a real backing store. node hands OpenSSL a NULL pointer for an empty
 * array whose buffer was materialized, and OpenSSL's CCM reads update(NULL, 0) as "set the
 * length" rather than data, so the tag is never computed ("tag not set").
 */
const EMPTY = new Uint8Array(new ArrayBuffer(1), 0, 0);

function nonNull(bytes: Uint8Array): Uint8Array {
  return bytes.length === 0 ? EMPTY : bytes;
}

/** node's AES-128 block encryption (ECB on one block), for driving ccm.ts in tests. */
export function nodeAesBlock(key: Uint8Array): BlockEncrypt {
  const cipher = nc.createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return (block) => cipher.update(block);
}

function aeadEncrypt(alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const params = checkAead(alg, key, nonce, aad, plaintext);
  checkPlaintextLength(alg, plaintext.length);
  const cipher = nc.createCipheriv(CIPHER[alg] as Aead, key, nonce, { authTagLength: params.tagLength });
  cipher.setAAD(nonNull(aad), { plaintextLength: plaintext.length });
  const out = new Uint8Array(plaintext.length + params.tagLength);
  const body = cipher.update(nonNull(plaintext));
  out.set(body);
  out.set(cipher.final(), body.length);
  out.set(cipher.getAuthTag(), plaintext.length);
  return out;
}

function aeadDecrypt(alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  const params = checkAead(alg, key, nonce, aad, ciphertext);
  const length = ciphertext.length - params.tagLength;
  if (length < 0) return null;
  try {
    const decipher = nc.createDecipheriv(CIPHER[alg] as Aead, key, nonce, { authTagLength: params.tagLength });
    decipher.setAuthTag(ciphertext.subarray(length));
    decipher.setAAD(nonNull(aad), { plaintextLength: length }); // throws for a CCM length beyond L
    const body = decipher.update(nonNull(ciphertext.subarray(0, length)));
    decipher.final(); // throws when the tag does not verify
    return plain(body);
  } catch (e) {
    return null;
  }
}

function publicKeyOf(curve: Curve, privateKey: Uint8Array): Uint8Array {
  checkPrivateKey(curve, privateKey);
  if (curve === Curve.P256) return p256PublicKey(privateKey);
  return okpPublicKey(importPrivateKey(curve, privateKey));
}

function sign(alg: number, privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  const curve = signatureCurve(alg);
  checkBytes(message, 'message');
  checkPrivateKey(curve, privateKey);
  const key = importPrivateKey(curve, privateKey);
  if (curve === Curve.Ed25519) return plain(nc.sign(null, message, key));
  return plain(nc.sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' }));
}

function ecdh(curve: Curve, privateKey: Uint8Array, peer: Uint8Array): Uint8Array {
  checkEcdhCurve(curve);
  checkPrivateKey(curve, privateKey);
  if (!isWellFormedPublicKey(curve, peer)) fail('malformed_key', 'invalid peer public key');
  let secret: Uint8Array | null = null;
  try {
    if (curve === Curve.P256) {
      const agreement = nc.createECDH('prime256v1');
      agreement.setPrivateKey(privateKey);
      secret = plain(agreement.computeSecret(peer)); // checks the point is on the curve
    } else {
      const publicKey = nc.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer).toString('base64url') }, format: 'jwk' });
      secret = plain(nc.diffieHellman({ privateKey: importPrivateKey(curve, privateKey), publicKey }));
    }
  } catch (e) {
    secret = null; // OpenSSL refuses an all-zero X25519 result, and points off P-256
  }
  if (secret === null || isAllZero(secret)) return fail('malformed_key', 'invalid peer public key');
  return secret;
}

export function nodeProvider(opts?: ProviderOptions): CryptoProvider {
  const random = (opts && opts.randomBytes) || ((length: number) => nc.randomFillSync(new Uint8Array(length)));
  const cacheSize = opts && opts.publicKeyCacheSize !== undefined ? opts.publicKeyCacheSize : 64;
  const publicKeys = new PublicKeyCache(cacheSize);

  function verify(alg: number, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const curve = signatureCurve(alg);
    checkBytes(message, 'message');
    if (!isWellFormedPublicKey(curve, publicKey)) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false;
    try {
      const key = publicKeys.get(curve, publicKey);
      if (curve === Curve.Ed25519) return nc.verify(null, message, key, signature);
      return nc.verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch (e) {
      return false; // a point off the curve, an undecodable key
    }
  }

  return {
    name: 'node',
    supports: (alg) => FULL_ALGS.indexOf(alg) >= 0,
    supportsCurve: (curve) => FULL_CURVES.indexOf(curve) >= 0,
    randomBytes(length) {
      checkLength(length);
      return random(length);
    },
    sha256(data) {
      checkBytes(data, 'data');
      return plain(nc.createHash('sha256').update(data).digest());
    },
    hmacSha256(key, data) {
      checkBytes(key, 'key');
      checkBytes(data, 'data');
      return plain(nc.createHmac('sha256', key).update(data).digest());
    },
    hkdfSha256(ikm, salt, info, length) {
      checkBytes(ikm, 'ikm');
      checkBytes(salt, 'salt');
      checkBytes(info, 'info');
      checkLength(length);
      if (length > 255 * HASH_LENGTH) fail('bad_request', 'HKDF length must be at most 255*HashLen');
      if (length === 0) return new Uint8Array(0); // hkdfSync refuses 0; RFC 5869 allows it
      // hkdfSync takes an empty salt as HashLen zeros, as RFC 5869 §2.2 says
      return new Uint8Array(nc.hkdfSync('sha256', ikm, salt, info, length));
    },
    aeadEncrypt,
    aeadDecrypt,
    sign,
    verify,
    generateKeyPair(curve): KeyPair {
      return generateKeyPairWith(curve, random, publicKeyOf);
    },
    publicKeyOf,
    ecdh,
  };
}
