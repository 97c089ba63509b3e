/**
 * The AEAD's additional authenticated data (RFC 8613 §5.4):
 *
 *   AAD = Enc_structure = [ "Encrypt0", h'', external_aad ]
 *   external_aad = bstr .cbor aad_array
 *   aad_array = [ oscore_version, [ alg_aead ], request_kid, request_piv, options ]
 *
 * With no Class I options defined, only request_piv changes within a context, so a context
 * encodes the head of aad_array once (`aadPrefix`) and each message only appends its Partial IV.
 * A response's AAD equals its request's (same request_kid and request_piv).
 */
import { encode } from '../codec/cbor.ts';
import { OSCORE_VERSION } from './numbers.ts';

/** The start of Enc_structure: array head 0x83, "Encrypt0", h'' (protected is empty). */
const ENCRYPT0_HEAD = new Uint8Array([0x83, 0x68, 0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x30, 0x40]);

/** Encoded aad_array up to and including request_kid: 0x85 version [alg] bstr(kid). */
export function aadPrefix(alg: number, requestKid: Uint8Array): Uint8Array {
  const algBytes = encode([alg]);
  const kidBytes = encode(requestKid);
  const out = new Uint8Array(2 + algBytes.length + kidBytes.length);
  out[0] = 0x85;
  out[1] = OSCORE_VERSION;
  out.set(algBytes, 2);
  out.set(kidBytes, 2 + algBytes.length);
  return out;
}

/** The full AAD for one request Partial IV (1..5 bytes, checked by the caller), no Class I options. */
export function buildAad(prefix: Uint8Array, requestPiv: Uint8Array): Uint8Array {
  // aad_array = prefix || bstr(piv) || h''  (piv is at most 5 bytes: a one-byte head)
  const arrayLength = prefix.length + 1 + requestPiv.length + 1;
  const headLength = arrayLength < 24 ? 1 : arrayLength < 256 ? 2 : 3;
  const out = new Uint8Array(ENCRYPT0_HEAD.length + headLength + arrayLength);
  out.set(ENCRYPT0_HEAD, 0);
  let p = ENCRYPT0_HEAD.length;
  if (headLength === 1) out[p++] = 0x40 | arrayLength;
  else if (headLength === 2) {
    out[p++] = 0x58;
    out[p++] = arrayLength;
  } else {
    out[p++] = 0x59;
    out[p++] = arrayLength >> 8;
    out[p++] = arrayLength & 255;
  }
  out.set(prefix, p);
  p += prefix.length;
  out[p++] = 0x40 | requestPiv.length;
  out.set(requestPiv, p);
  p += requestPiv.length;
  out[p] = 0x40;
  return out;
}
