/**
 * The OSCORE option value: the compressed COSE_Encrypt0 headers (RFC 8613 §6.1, Figure 10).
 *
 *   0 1 2 3 4 5 6 7
 *  |0 0 0|h|k|  n  | Partial IV (n bytes) | s (if h) | kid context (s bytes) | kid (the rest, if k)
 *
 * A value whose flag bits are all zero is sent empty (§2). Decoding is strict: reserved bits or
 * lengths, truncation, trailing bytes and a Partial IV with leading zeros are 'bad_option'
 * (answered 4.02 "Failed to decode COSE", §8.2 step 2).
 */
import { fail } from '../errors.ts';
import {
  FLAG_KID, FLAG_KID_CONTEXT, FLAG_PIV_LENGTH_MASK, FLAG_RESERVED, MAX_PIV_LENGTH,
} from './numbers.ts';

export interface OscoreOptionValue {
  /** Partial IV, 1..5 bytes, or null when absent. */
  piv: Uint8Array | null;
  /** 'kid context' (ID Context), or null when absent. */
  kidContext: Uint8Array | null;
  /** 'kid' (the sender's ID, possibly empty), or null when absent. */
  kid: Uint8Array | null;
}

export function encodeOscoreOption(piv: Uint8Array | null, kidContext: Uint8Array | null,
  kid: Uint8Array | null): Uint8Array {
  const n = piv ? piv.length : 0;
  if (n > MAX_PIV_LENGTH) fail('internal', 'Partial IV longer than 5 bytes');
  let flags = n;
  let length = 1 + n;
  if (kidContext) {
    if (kidContext.length > 255) fail('bad_request', 'kid context longer than 255 bytes');
    flags |= FLAG_KID_CONTEXT;
    length += 1 + kidContext.length;
  }
  if (kid) {
    flags |= FLAG_KID;
    length += kid.length;
  }
  if (flags === 0) return new Uint8Array(0);
  const out = new Uint8Array(length);
  out[0] = flags;
  let p = 1;
  if (piv) {
    out.set(piv, p);
    p += n;
  }
  if (kidContext) {
    out[p++] = kidContext.length;
    out.set(kidContext, p);
    p += kidContext.length;
  }
  if (kid) out.set(kid, p);
  return out;
}

export function decodeOscoreOption(value: Uint8Array): OscoreOptionValue {
  const result: OscoreOptionValue = { piv: null, kidContext: null, kid: null };
  if (value.length === 0) return result;
  const flags = value[0];
  if (flags === 0) fail('bad_option', 'OSCORE option: all-zero flags must be sent empty');
  if (flags & FLAG_RESERVED) fail('bad_option', 'OSCORE option: reserved flag bits set');
  const n = flags & FLAG_PIV_LENGTH_MASK;
  if (n > MAX_PIV_LENGTH) fail('bad_option', 'OSCORE option: reserved Partial IV length');
  let p = 1;
  if (n > 0) {
    if (p + n > value.length) fail('bad_option', 'OSCORE option: truncated Partial IV');
    if (n > 1 && value[p] === 0) fail('bad_option', 'OSCORE option: Partial IV with leading zeros');
    result.piv = new Uint8Array(value.subarray(p, p + n));
    p += n;
  }
  if (flags & FLAG_KID_CONTEXT) {
    if (p >= value.length) fail('bad_option', 'OSCORE option: missing kid context length');
    const s = value[p++];
    if (p + s > value.length) fail('bad_option', 'OSCORE option: truncated kid context');
    result.kidContext = new Uint8Array(value.subarray(p, p + s));
    p += s;
  }
  if (flags & FLAG_KID) result.kid = new Uint8Array(value.subarray(p));
  else if (p !== value.length) fail('bad_option', 'OSCORE option: trailing bytes');
  return result;
}
