/**
 * CryptoProvider on Espruino's native `crypto` module (portable subset: it runs on the board).
 * The module object is passed in (`require("crypto")` on a board, a Node stand-in in tests),
 * so the same code serves both. Hashing and AES blocks are native; HMAC, HKDF and AES-CCM
 * (with AAD, which the native ccmEncrypt lacks) are the portable hmac.ts, hkdf.ts, ccm.ts.
 * Public-key crypto is out of reach on a board (pure JS is ~500x slower than Node there), so
 * signatures, ECDH and key generation refuse with 'unsupported_algorithm'.
 */
import { fail } from '../../errors.ts';
import { Alg } from '../provider.ts';
import type { CryptoProvider, KeyPair } from '../provider.ts';
import { ccmDecrypt, ccmEncrypt } from '../ccm.ts';
import type { BlockEncrypt } from '../ccm.ts';
import { hmac } from '../hmac.ts';
import { hkdf } from '../hkdf.ts';
import { checkAead, checkBytes, checkLength, checkPlaintextLength } from '../checks.ts';

/** The part of Espruino's `require("crypto")` this provider uses. */
export interface EspruinoCrypto {
  SHA256(data: Uint8Array): ArrayBuffer;
  AES: {
    encrypt(data: Uint8Array, key: Uint8Array, options: { mode: string }): ArrayBuffer;
  };
}

const HASH_LENGTH = 32;

/** What the board implements: AES-CCM, HMAC-SHA-256 and HKDF (COSE algorithm numbers). */
export const ESPRUINO_ALGS: number[] = [
  Alg.AES_CCM_16_64_128, Alg.AES_CCM_16_128_128, Alg.HMAC_256_64, Alg.HMAC_256_256, Alg.HKDF_SHA_256,
];

/** One AES-128 block through the native ECB mode. */
export function espruinoAesBlock(crypto: EspruinoCrypto, key: Uint8Array): BlockEncrypt {
  const options = { mode: 'ECB' };
  return function (block: Uint8Array): Uint8Array {
    return new Uint8Array(crypto.AES.encrypt(block, key, options));
  };
}

function isCcm(alg: number): boolean {
  return alg === Alg.AES_CCM_16_64_128 || alg === Alg.AES_CCM_16_128_128;
}

function noPublicKey(): never {
  return fail('unsupported_algorithm', 'no public-key crypto on this board');
}

export function espruinoProvider(crypto: EspruinoCrypto, random: (length: number) => Uint8Array): CryptoProvider {
  const sha256 = function (data: Uint8Array): Uint8Array {
    return new Uint8Array(crypto.SHA256(data));
  };
  return {
    name: 'espruino',
    supports: function (alg: number): boolean { return ESPRUINO_ALGS.indexOf(alg) >= 0; },
    supportsCurve: function (): boolean { return false; },
    randomBytes: function (length: number): Uint8Array {
      checkLength(length);
      return random(length);
    },
    sha256: function (data: Uint8Array): Uint8Array {
      checkBytes(data, 'data');
      return sha256(data);
    },
    hmacSha256: function (key: Uint8Array, data: Uint8Array): Uint8Array {
      checkBytes(key, 'key');
      checkBytes(data, 'data');
      return hmac(sha256, key, data);
    },
    hkdfSha256: function (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
      checkBytes(ikm, 'ikm');
      checkBytes(salt, 'salt');
      checkBytes(info, 'info');
      checkLength(length);
      if (length > 255 * HASH_LENGTH) fail('bad_request', 'HKDF length must be at most 255*HashLen');
      return hkdf(function (k: Uint8Array, d: Uint8Array): Uint8Array { return hmac(sha256, k, d); },
        HASH_LENGTH, ikm, salt, info, length);
    },
    aeadEncrypt: function (alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array,
      plaintext: Uint8Array): Uint8Array {
      if (!isCcm(alg)) fail('unsupported_algorithm', 'AEAD not on this board: ' + alg);
      const params = checkAead(alg, key, nonce, aad, plaintext);
      checkPlaintextLength(alg, plaintext.length);
      return ccmEncrypt(espruinoAesBlock(crypto, key), nonce, aad, plaintext, params.tagLength);
    },
    aeadDecrypt: function (alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array,
      ciphertext: Uint8Array): Uint8Array | null {
      if (!isCcm(alg)) fail('unsupported_algorithm', 'AEAD not on this board: ' + alg);
      const params = checkAead(alg, key, nonce, aad, ciphertext);
      return ccmDecrypt(espruinoAesBlock(crypto, key), nonce, aad, ciphertext, params.tagLength);
    },
    sign: function (): Uint8Array { return noPublicKey(); },
    verify: function (): boolean { return noPublicKey(); },
    generateKeyPair: function (): KeyPair { return noPublicKey(); },
    publicKeyOf: function (): Uint8Array { return noPublicKey(); },
    ecdh: function (): Uint8Array { return noPublicKey(); },
  };
}
