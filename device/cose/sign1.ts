/**
 * COSE_Sign1 (RFC 9052 §4.2, §4.4) with EdDSA (Ed25519) and ES256 (RFC 9053 §2).
 * Decoding checks structure only ('malformed_cose'); verifying checks algorithm, key and
 * signature ('unsupported_algorithm', 'bad_signature').
 */
import { fail } from '../errors.ts';
import { CborCodec, CborValue } from '../codec/cbor.ts';
import { CryptoProvider } from '../crypto/provider.ts';
import { BuildOptions, CONTENT_LABELS, Headers, addKid, algOf, decodeHeaders, encodeProtected, startBuckets } from './header.ts';
import { Alg, CoseTag, KeyOp } from './iana.ts';
import { CoseKey, keyUsableFor } from './key.ts';
import { EMPTY, bstrField, maybeTag, messageArray } from './message.ts';
import { sigStructure1 } from './structures.ts';

export interface Sign1 {
  headers: Headers;
  payload: Uint8Array;
  signature: Uint8Array;
}

export function isSignatureAlg(alg: number): boolean {
  return alg === Alg.EdDSA || alg === Alg.ES256;
}

/** COSE_Sign1 = [protected, unprotected, payload, signature], tag 18 optional. */
export function decodeSign1(value: CborValue, codec: CborCodec): Sign1 {
  const a = messageArray(value, CoseTag.Sign1, [4], 'COSE_Sign1');
  return {
    headers: decodeHeaders(a[0], a[1], CONTENT_LABELS, codec),
    payload: bstrField(a[2], 'payload'),
    signature: bstrField(a[3], 'signature'),
  };
}

/** Checks that `alg` is a signature algorithm the provider has and the key may serve it. */
function requireSigner(alg: number, key: CoseKey, op: number, provider: CryptoProvider): void {
  if (!isSignatureAlg(alg) || !provider.supports(alg)) fail('unsupported_algorithm', 'signature algorithm not supported');
  if (!keyUsableFor(key, alg, op)) fail('unsupported_algorithm', 'key is not usable with this signature algorithm');
}

/** Verifies the signature with `key`; returns the payload. */
export function verifySign1(msg: Sign1, key: CoseKey, externalAad: Uint8Array, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  const alg = algOf(msg.headers);
  requireSigner(alg, key, KeyOp.Verify, provider);
  const toBeSigned = sigStructure1(msg.headers.protectedBytes, externalAad, msg.payload, codec);
  if (!provider.verify(alg, key.publicKey as Uint8Array, toBeSigned, msg.signature)) fail('bad_signature', 'signature does not verify');
  return msg.payload;
}

/** Signs `payload` with the private `key`; returns the COSE_Sign1 value (encode it to send). */
export function createSign1(payload: Uint8Array, key: CoseKey, alg: number, opts: BuildOptions, provider: CryptoProvider, codec: CborCodec): CborValue {
  requireSigner(alg, key, KeyOp.Sign, provider);
  const b = startBuckets(opts, alg);
  addKid(b, key.kid);
  const protectedBytes = encodeProtected(b.protected, codec);
  const toBeSigned = sigStructure1(protectedBytes, opts.externalAad || EMPTY, payload, codec);
  const signature = provider.sign(alg, key.privateKey as Uint8Array, toBeSigned);
  return maybeTag(opts.tagged === true, CoseTag.Sign1, [protectedBytes, b.unprotected, payload, signature]);
}
