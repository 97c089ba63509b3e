/**
 * Choosing the keys that may check a message, from a set of trusted keys.
 *
 * kid is a hint and need not be unique (RFC 9052 §3.1), so every key with the message's kid
 * that fits the algorithm is a candidate. A message without kid is checked with the single
 * key that fits the algorithm; with several such keys it is refused rather than tried
 * against each (that would multiply the cost of a forged token). A key without kid only
 * serves messages without kid.
 */
import { fail } from '../errors.ts';
import { bytesEqual } from '../codec/bytes.ts';
import { CoseKey, keyUsableFor } from './key.ts';

export function candidateKeys(keys: CoseKey[], kid: Uint8Array | null, alg: number, op: number): CoseKey[] {
  const out: CoseKey[] = [];
  let named = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (kid !== null) {
      if (k.kid === null || !bytesEqual(k.kid, kid)) continue;
      named++;
    }
    if (keyUsableFor(k, alg, op)) out.push(k);
  }
  if (kid !== null && named === 0) return fail('unknown_kid', 'no trusted key has this kid');
  if (out.length === 0) return fail('unsupported_algorithm', 'no trusted key for this algorithm');
  if (kid === null && out.length > 1) return fail('unknown_kid', 'message has no kid and several keys fit');
  return out;
}
