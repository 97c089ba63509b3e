/**
 * COSE_Mac0 (RFC 9052 §6.2, §6.3) with HMAC 256/64 and HMAC 256/256 (RFC 9053 §3.1, Table 3).
 * Tags are compared in constant time. Decoding checks structure only ('malformed_cose');
 * verifying checks algorithm, key and tag ('unsupported_algorithm', 'bad_signature').
 */
import { fail } from '../errors.ts';
import { CborCodec, CborValue } from '../codec/cbor.ts';
import { constantTimeEqual } from '../codec/bytes.ts';
import { CryptoProvider } from '../crypto/provider.ts';
import { BuildOptions, CONTENT_LABELS, Headers, addKid, algOf, decodeHeaders, encodeProtected, startBuckets } from './header.ts';
import { Alg, CoseTag, KeyOp } from './iana.ts';
import { CoseKey, keyUsableFor } from './key.ts';
import { EMPTY, bstrField, maybeTag, messageArray } from './message.ts';
import { macStructure0 } from './structures.ts';

export interface Mac0 {
  headers: Headers;
  payload: Uint8Array;
  tag: Uint8Array;
}

/** Tag length in bytes of a MAC algorithm, or 0 when it is not one (Table 3: leftmost bits kept). */
export function macTagLength(alg: number): number {
  if (alg === Alg.HMAC_256_64) return 8;
  if (alg === Alg.HMAC_256_256) return 32;
  return 0;
}

/** COSE_Mac0 = [protected, unprotected, payload, tag], tag 17 optional. */
export function decodeMac0(value: CborValue, codec: CborCodec): Mac0 {
  const a = messageArray(value, CoseTag.Mac0, [4], 'COSE_Mac0');
  return {
    headers: decodeHeaders(a[0], a[1], CONTENT_LABELS, codec),
    payload: bstrField(a[2], 'payload'),
    tag: bstrField(a[3], 'tag'),
  };
}

function computeTag(alg: number, key: CoseKey, op: number, toBeMaced: Uint8Array, provider: CryptoProvider): Uint8Array {
  const length = macTagLength(alg);
  if (length === 0 || !provider.supports(alg)) fail('unsupported_algorithm', 'MAC algorithm not supported');
  if (!keyUsableFor(key, alg, op)) fail('unsupported_algorithm', 'key is not usable with this MAC algorithm');
  return new Uint8Array(provider.hmacSha256(key.k as Uint8Array, toBeMaced).subarray(0, length));
}

/** Verifies the tag with the symmetric `key`; returns the payload. */
export function verifyMac0(msg: Mac0, key: CoseKey, externalAad: Uint8Array, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  const alg = algOf(msg.headers);
  const toBeMaced = macStructure0(msg.headers.protectedBytes, externalAad, msg.payload, codec);
  const expected = computeTag(alg, key, KeyOp.MacVerify, toBeMaced, provider);
  if (!constantTimeEqual(expected, msg.tag)) fail('bad_signature', 'MAC tag does not verify');
  return msg.payload;
}

/** MACs `payload` with the symmetric `key`; returns the COSE_Mac0 value. */
export function createMac0(payload: Uint8Array, key: CoseKey, alg: number, opts: BuildOptions, provider: CryptoProvider, codec: CborCodec): CborValue {
  const b = startBuckets(opts, alg);
  addKid(b, key.kid);
  const protectedBytes = encodeProtected(b.protected, codec);
  const toBeMaced = macStructure0(protectedBytes, opts.externalAad || EMPTY, payload, codec);
  const tag = computeTag(alg, key, KeyOp.MacCreate, toBeMaced, provider);
  return maybeTag(opts.tagged === true, CoseTag.Mac0, [protectedBytes, b.unprotected, payload, tag]);
}
