/**
 * COSE_Encrypt0 (RFC 9052 §5.2, §5.3) with the AEADs of RFC 9053 §4 that the provider has:
 * AES-CCM-16-64-128 (10), AES-CCM-16-128-128 (30), A128GCM (1), A256GCM (3),
 * ChaCha20/Poly1305 (24). Also the content-layer AEAD step that COSE_Encrypt reuses.
 * Decoding checks structure only ('malformed_cose'); decrypting checks algorithm, key, IV
 * and tag ('unsupported_algorithm', 'malformed_cose', 'decrypt_failed').
 */
import { fail } from '../errors.ts';
import { CborCodec, CborValue } from '../codec/cbor.ts';
import { AeadParams, CryptoProvider, aeadParams } from '../crypto/provider.ts';
import { BuildOptions, Buckets, CONTENT_LABELS, Headers, addKid, algOf, decodeHeaders, encodeProtected, headerValue, startBuckets } from './header.ts';
import { CoseTag, ENCRYPT0, Header, KeyOp } from './iana.ts';
import { CoseKey, keyUsableFor } from './key.ts';
import { EMPTY, bstrField, maybeTag, messageArray } from './message.ts';
import { encStructure } from './structures.ts';

export interface Encrypt0 {
  headers: Headers;
  ciphertext: Uint8Array;
}

/** COSE_Encrypt0 = [protected, unprotected, ciphertext], tag 16 optional. */
export function decodeEncrypt0(value: CborValue, codec: CborCodec): Encrypt0 {
  const a = messageArray(value, CoseTag.Encrypt0, [3], 'COSE_Encrypt0');
  return { headers: decodeHeaders(a[0], a[1], CONTENT_LABELS, codec), ciphertext: bstrField(a[2], 'ciphertext') };
}

/** The AEAD parameters of a content algorithm this provider has, or 'unsupported_algorithm'. */
export function contentAead(alg: number, provider: CryptoProvider): AeadParams {
  const p = aeadParams(alg);
  if (!p || !provider.supports(alg)) return fail('unsupported_algorithm', 'content encryption algorithm not supported');
  return p;
}

/**
 * The nonce: the IV header, or a Partial IV left-padded and XORed with the key's Base IV
 * (RFC 9052 §3.1).
 */
function nonceOf(h: Headers, baseIv: Uint8Array | null, length: number): Uint8Array {
  const iv = headerValue(h, Header.IV);
  if (iv instanceof Uint8Array) {
    if (iv.length !== length) fail('malformed_cose', 'IV has the wrong length for the algorithm');
    return iv;
  }
  const piv = headerValue(h, Header.PartialIV);
  if (!(piv instanceof Uint8Array)) return fail('malformed_cose', 'no IV');
  if (baseIv === null) return fail('malformed_cose', 'Partial IV without a Base IV');
  if (piv.length > length || baseIv.length > length) fail('malformed_cose', 'Partial IV or Base IV too long');
  const nonce = new Uint8Array(length);
  nonce.set(baseIv, length - baseIv.length);
  for (let i = 0; i < piv.length; i++) nonce[length - piv.length + i] ^= piv[i];
  return nonce;
}

/** Decrypts one content layer with the raw key `k`; Enc_structure context `context`. */
export function openContent(h: Headers, context: string, alg: number, k: Uint8Array, baseIv: Uint8Array | null, ciphertext: Uint8Array, externalAad: Uint8Array, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  const p = contentAead(alg, provider);
  const nonce = nonceOf(h, baseIv, p.nonceLength);
  if (k.length !== p.keyLength) fail('unsupported_algorithm', 'key length does not fit the algorithm');
  if (ciphertext.length < p.tagLength) fail('decrypt_failed', 'ciphertext shorter than the tag');
  const aad = encStructure(context, h.protectedBytes, externalAad, codec);
  const plaintext = provider.aeadDecrypt(alg, k, nonce, aad, ciphertext);
  if (plaintext === null) return fail('decrypt_failed', 'ciphertext does not decrypt');
  return plaintext;
}

/** Encrypts one content layer: sets the IV (given or fresh), returns the protected bytes and ciphertext. */
export function sealContent(b: Buckets, context: string, alg: number, k: Uint8Array, iv: Uint8Array | undefined, plaintext: Uint8Array, externalAad: Uint8Array, provider: CryptoProvider, codec: CborCodec): { protectedBytes: Uint8Array; ciphertext: Uint8Array } {
  const p = contentAead(alg, provider);
  if (k.length !== p.keyLength) fail('unsupported_algorithm', 'key length does not fit the algorithm');
  const nonce = iv || provider.randomBytes(p.nonceLength);
  if (nonce.length !== p.nonceLength) fail('bad_request', 'IV has the wrong length for the algorithm');
  b.unprotected.set(Header.IV, nonce);
  const protectedBytes = encodeProtected(b.protected, codec);
  const aad = encStructure(context, protectedBytes, externalAad, codec);
  return { protectedBytes: protectedBytes, ciphertext: provider.aeadEncrypt(alg, k, nonce, aad, plaintext) };
}

/** Decrypts with the symmetric `key`; returns the plaintext. */
export function decryptEncrypt0(msg: Encrypt0, key: CoseKey, externalAad: Uint8Array, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  const alg = algOf(msg.headers);
  contentAead(alg, provider);
  if (!keyUsableFor(key, alg, KeyOp.Decrypt)) fail('unsupported_algorithm', 'key is not usable with this algorithm');
  return openContent(msg.headers, ENCRYPT0, alg, key.k as Uint8Array, key.baseIv, msg.ciphertext, externalAad, provider, codec);
}

export interface EncryptOptions extends BuildOptions {
  /** The IV to use; fresh random bytes when absent. Never reuse one under the same key. */
  iv?: Uint8Array;
}

/** Encrypts `plaintext` under the symmetric `key`; returns the COSE_Encrypt0 value. */
export function createEncrypt0(plaintext: Uint8Array, key: CoseKey, alg: number, opts: EncryptOptions, provider: CryptoProvider, codec: CborCodec): CborValue {
  contentAead(alg, provider);
  if (!keyUsableFor(key, alg, KeyOp.Encrypt)) fail('unsupported_algorithm', 'key is not usable with this algorithm');
  const b = startBuckets(opts, alg);
  addKid(b, key.kid);
  const sealed = sealContent(b, ENCRYPT0, alg, key.k as Uint8Array, opts.iv, plaintext, opts.externalAad || EMPTY, provider, codec);
  return maybeTag(opts.tagged === true, CoseTag.Encrypt0, [sealed.protectedBytes, b.unprotected, sealed.ciphertext]);
}
