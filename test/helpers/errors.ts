/** Assertions about CoreErrors (not Error instances, so ava's t.throws does not fit them). */
import type { ExecutionContext } from 'ava';
import { isCoreError } from '../../device/errors.ts';
import type { CoreError, ErrorKind } from '../../device/errors.ts';

/** The CoreError kind fn throws; 'ok' when it returns, 'not a CoreError' for anything else. */
export function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isCoreError(e) ? e.kind : 'not a CoreError';
  }
  return 'ok';
}

/** Asserts fn throws a CoreError of this kind; returns it. */
export function throwsKind(t: ExecutionContext, fn: () => unknown, kind: ErrorKind, note?: string): CoreError {
  const prefix = note ? note + ': ' : '';
  try {
    fn();
  } catch (e) {
    t.true(isCoreError(e), prefix + 'a CoreError, not ' + String(e));
    t.is((e as CoreError).kind, kind, prefix + (e as CoreError).message);
    return e as CoreError;
  }
  t.fail(prefix + 'did not throw, expected ' + kind);
  return undefined as never;
}
