/** The CoreError kind a call throws ('ok' when it returns, 'not a CoreError' for anything else). */
import { isCoreError } from '../../device/errors.ts';

export function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isCoreError(e) ? e.kind : 'not a CoreError';
  }
  return 'ok';
}
