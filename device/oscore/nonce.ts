/**
 * Partial IV encoding and the AEAD nonce (RFC 8613 §5, §5.2).
 *
 * The nonce is Common IV XOR (S || padded ID_PIV || padded PIV). Everything but the PIV part is
 * fixed per (context, ID), so a context keeps that XOR as a "nonce base" and a nonce is the base
 * with the Partial IV XORed into its last five bytes.
 */
import { fail } from '../errors.ts';
import { MAX_PIV_LENGTH, SEQUENCE_LIMIT } from './numbers.ts';

/** Sequence number to Partial IV: big-endian, no leading zero bytes, 0 is h'00' (§5). */
export function encodePiv(seq: number): Uint8Array {
  if (!(seq >= 0 && seq < SEQUENCE_LIMIT && Math.floor(seq) === seq)) {
    fail('internal', 'sequence number out of range');
  }
  let length = 1;
  let v = seq;
  while (v >= 256) {
    v = Math.floor(v / 256);
    length++;
  }
  const out = new Uint8Array(length);
  v = seq;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Partial IV to sequence number (the caller has checked 1..5 bytes). */
export function decodePiv(piv: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < piv.length; i++) v = v * 256 + piv[i];
  return v;
}

/** Common IV XOR (S || ID_PIV left-padded to nonce length - 6 || five zero bytes). */
export function nonceBase(commonIv: Uint8Array, id: Uint8Array): Uint8Array {
  const length = commonIv.length;
  if (id.length > length - 6) fail('bad_request', 'OSCORE ID longer than nonce length - 6');
  const base = new Uint8Array(commonIv);
  base[0] ^= id.length;
  const idEnd = length - MAX_PIV_LENGTH;
  for (let i = 0; i < id.length; i++) base[idEnd - id.length + i] ^= id[i];
  return base;
}

/** The nonce for one Partial IV (1..5 bytes, checked by the caller). */
export function nonceFor(base: Uint8Array, piv: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(base);
  const offset = nonce.length - piv.length;
  for (let i = 0; i < piv.length; i++) nonce[offset + i] ^= piv[i];
  return nonce;
}
