/**
 * CryptoProvider on the noble libraries (pure JS, audited): @noble/hashes, @noble/ciphers,
 * @noble/curves. AES-CCM is not in @noble/ciphers, so it runs through ccm.ts on noble's raw
 * AES block. Node-only (noble needs BigInt for the curves), but free of node: imports.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { gcm, unsafe } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { fail } from '../../errors.ts';
import { Alg, Curve } from '../provider.ts';
import type { CryptoProvider, KeyPair } from '../provider.ts';
import { ccmDecrypt, ccmEncrypt } from '../ccm.ts';
import type { BlockEncrypt } from '../ccm.ts';
import { FULL_ALGS, FULL_CURVES, SIGNATURE_LENGTH, checkAead, checkBytes, checkEcdhCurve, checkLength,
  checkPlaintextLength, isAllZero, signatureCurve } from '../checks.ts';
import { checkPrivateKey, generateKeyPairWith, isWellFormedPublicKey } from '../keys.ts';

export interface ProviderOptions {
  /** Replaces the CSPRNG (the simulator's seeded runs); keys are generated from it too. */
  randomBytes?: (length: number) => Uint8Array;
}

const HASH_LENGTH = 32;
/** ES256 is ECDSA over SHA-256 of the message (RFC 9053 §2.1); s is left as computed. */
const ES256_OPTS = { prehash: true, lowS: false };
/** RFC 8032 verification (not ZIP-215), the rule OpenSSL and so the Node provider follow. */
const EDDSA_OPTS = { zip215: false };

/** noble's AES block encryption under one expanded key (its in-place block needs an aligned buffer). */
export function nobleAesBlock(key: Uint8Array): BlockEncrypt {
  const xk = unsafe.expandKeyLE(key);
  const buf = new Uint8Array(16);
  return (block) => {
    buf.set(block);
    return unsafe.encryptBlock(xk, buf);
  };
}

function isCcm(alg: number): boolean {
  return alg === Alg.AES_CCM_16_64_128 || alg === Alg.AES_CCM_16_128_128;
}

function publicKeyOf(curve: Curve, privateKey: Uint8Array): Uint8Array {
  checkPrivateKey(curve, privateKey);
  if (curve === Curve.Ed25519) return ed25519.getPublicKey(privateKey);
  if (curve === Curve.X25519) return x25519.getPublicKey(privateKey);
  return p256.getPublicKey(privateKey, false);
}

function aeadEncrypt(alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const params = checkAead(alg, key, nonce, aad, plaintext);
  checkPlaintextLength(alg, plaintext.length);
  if (isCcm(alg)) return ccmEncrypt(nobleAesBlock(key), nonce, aad, plaintext, params.tagLength);
  if (alg === Alg.ChaCha20Poly1305) return chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  return gcm(key, nonce, aad).encrypt(plaintext);
}

function aeadDecrypt(alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  const params = checkAead(alg, key, nonce, aad, ciphertext);
  if (isCcm(alg)) return ccmDecrypt(nobleAesBlock(key), nonce, aad, ciphertext, params.tagLength);
  if (ciphertext.length < params.tagLength) return null;
  try {
    if (alg === Alg.ChaCha20Poly1305) return chacha20poly1305(key, nonce, aad).decrypt(ciphertext);
    return gcm(key, nonce, aad).decrypt(ciphertext);
  } catch (e) {
    return null; // inputs were checked above, so this is the tag
  }
}

function sign(alg: number, privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  const curve = signatureCurve(alg);
  checkBytes(message, 'message');
  checkPrivateKey(curve, privateKey);
  if (curve === Curve.Ed25519) return ed25519.sign(message, privateKey);
  return p256.sign(message, privateKey, ES256_OPTS);
}

function verify(alg: number, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const curve = signatureCurve(alg);
  checkBytes(message, 'message');
  if (!isWellFormedPublicKey(curve, publicKey)) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false;
  try {
    if (curve === Curve.Ed25519) return ed25519.verify(signature, message, publicKey, EDDSA_OPTS);
    return p256.verify(signature, message, publicKey, ES256_OPTS);
  } catch (e) {
    return false; // a key that is not a point, a scalar out of range
  }
}

function sharedSecret(curve: Curve, privateKey: Uint8Array, peer: Uint8Array): Uint8Array | null {
  try {
    if (curve === Curve.X25519) return x25519.getSharedSecret(privateKey, peer);
    return p256.getSharedSecret(privateKey, peer, false).slice(1, 33); // x of 04 || x || y
  } catch (e) {
    return null;
  }
}

function ecdh(curve: Curve, privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  checkEcdhCurve(curve);
  checkPrivateKey(curve, privateKey);
  if (!isWellFormedPublicKey(curve, peerPublicKey)) fail('malformed_key', 'invalid peer public key');
  const secret = sharedSecret(curve, privateKey, peerPublicKey);
  // RFC 7748 §6.1: an all-zero X25519 output means a low-order peer key
  if (secret === null || isAllZero(secret)) return fail('malformed_key', 'invalid peer public key');
  return secret;
}

export function nobleProvider(opts?: ProviderOptions): CryptoProvider {
  const random = (opts && opts.randomBytes) || nobleRandomBytes;
  return {
    name: 'noble',
    supports: (alg) => FULL_ALGS.indexOf(alg) >= 0,
    supportsCurve: (curve) => FULL_CURVES.indexOf(curve) >= 0,
    randomBytes(length) {
      checkLength(length);
      return random(length);
    },
    sha256(data) {
      checkBytes(data, 'data');
      return sha256(data);
    },
    hmacSha256(key, data) {
      checkBytes(key, 'key');
      checkBytes(data, 'data');
      return hmac(sha256, key, data);
    },
    hkdfSha256(ikm, salt, info, length) {
      checkBytes(ikm, 'ikm');
      checkBytes(salt, 'salt');
      checkBytes(info, 'info');
      checkLength(length);
      if (length > 255 * HASH_LENGTH) fail('bad_request', 'HKDF length must be at most 255*HashLen');
      // an empty salt is an HMAC key of zero bytes, padded with zeros: the HashLen zeros of RFC 5869
      return hkdf(sha256, ikm, salt, info, length);
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
