/** Small helpers for the crypto tests. */
import { isCoreError } from '../../device/errors.ts';

/** The CoreError kind f throws, 'none' when it returns, 'not a CoreError' for anything else. */
export function kindOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isCoreError(e) ? e.kind : 'not a CoreError';
  }
  return 'none';
}

export function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = bytes.slice();
  out[index] ^= 0x01;
  return out;
}
