/** Small assertions shared by the codec tests. */
import type { ExecutionContext } from 'ava';
import { CborMap, CborTag } from '../../device/codec/cbor.ts';
import type { CborValue } from '../../device/codec/cbor.ts';
import { refEncode } from './diag.ts';
import { CoreError } from '../../device/errors.ts';
import type { ErrorKind } from '../../device/errors.ts';

/** The CoreError kind fn throws; fails the test on success or on any other exception. */
export function kindOf(t: ExecutionContext, fn: () => unknown, what: string): ErrorKind | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CoreError) return e.kind;
    t.fail(`${what}: threw ${String(e)} instead of a CoreError`);
    return undefined;
  }
  t.fail(`${what}: did not throw`);
  return undefined;
}

/** Runs fn; returns undefined on success, the CoreError kind on failure, and rethrows anything else. */
export function outcome(fn: () => unknown): ErrorKind | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof CoreError) return e.kind;
    throw e;
  }
}

export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));

/** The value with every map rebuilt in key-encoding order, so equal maps compare equal whatever their insertion order. */
export function canonical(v: CborValue): CborValue {
  if (Array.isArray(v)) return v.map(canonical);
  if (v instanceof CborTag) return new CborTag(v.tag, canonical(v.value));
  if (v instanceof CborMap) {
    const order = v.keys.map((k, i) => ({ k, v: v.values[i], key: Buffer.from(refEncode(k)) }));
    order.sort((a, b) => Buffer.compare(a.key, b.key));
    const m = new CborMap();
    for (const e of order) m.set(e.k, canonical(e.v));
    return m;
  }
  return v;
}
