/**
 * Reading the payload maps of sealed files: each field checked for its type, and a failure
 * that names the file and the field (never a value: some are secret).
 */
import { CborMap, CborValue } from '../device/codec/cbor.ts';
import type { CoseKey } from '../device/cose/key.ts';
import { parseCoseKey } from '../device/cose/key.ts';
import { fail, isCoreError } from '../device/errors.ts';

export class Fields {
  constructor(readonly m: CborMap, readonly where: string) {}

  bad(field: string, problem: string): never {
    return fail('bad_request', this.where + ': ' + field + ' ' + problem);
  }

  has(key: string): boolean {
    return this.m.has(key);
  }

  text(key: string): string {
    const v = this.m.get(key);
    if (typeof v !== 'string' || v.length === 0) return this.bad(key, 'is missing or not text');
    return v;
  }

  bytes(key: string): Uint8Array {
    const v = this.m.get(key);
    if (!(v instanceof Uint8Array)) return this.bad(key, 'is missing or not bytes');
    return v;
  }

  optBytes(key: string): Uint8Array | null {
    return this.m.has(key) ? this.bytes(key) : null;
  }

  uint(key: string): number {
    const v = this.m.get(key);
    if (typeof v !== 'number' || Math.floor(v) !== v || v < 0) return this.bad(key, 'is missing or not an unsigned integer');
    return v;
  }

  bool(key: string): boolean {
    const v = this.m.get(key);
    if (typeof v !== 'boolean') return this.bad(key, 'is missing or not a boolean');
    return v;
  }

  map(key: string): Fields {
    const v = this.m.get(key);
    if (!(v instanceof CborMap)) return this.bad(key, 'is missing or not a map');
    return new Fields(v, this.where);
  }

  array(key: string): CborValue[] {
    const v = this.m.get(key);
    if (!Array.isArray(v)) return this.bad(key, 'is missing or not an array');
    return v;
  }

  key(key: string): CoseKey {
    return coseKey(this.m.get(key), this.where, key);
  }
}

/** A COSE_Key read from a file; a malformed one is a failure naming the field. */
export function coseKey(v: CborValue, where: string, field: string): CoseKey {
  try {
    return parseCoseKey(v);
  } catch (e) {
    if (isCoreError(e)) return fail('bad_request', where + ': ' + field + ' is not a valid COSE_Key (' + e.message + ')');
    throw e;
  }
}
