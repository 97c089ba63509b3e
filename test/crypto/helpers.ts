/** Small helpers for the crypto tests. */
export { kindOf } from '../helpers/errors.ts';

export function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = bytes.slice();
  out[index] ^= 0x01;
  return out;
}
