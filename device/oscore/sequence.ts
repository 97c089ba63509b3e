/**
 * Sender Sequence Numbers that never repeat, across power loss too (RFC 8613 §7.2,
 * Appendix B.1.1).
 *
 * Storage holds a bound: every number handed out is below it. Before handing out the bound
 * itself, the counter first writes bound + step (Storage writes are atomic and durable when
 * they return); after a reboot it restarts at the stored bound. So at most `step` numbers are
 * skipped per reboot, and one write serves `step` messages. This is B.1.1 with SSN1 = the
 * stored bound - step and F = 0, which is safe because the bound is stored before any number
 * at or beyond it is used.
 *
 * The record is the bound as a CBOR unsigned integer. A record present at construction means
 * the context existed before this boot (`restored`): the replay window then needs Echo.
 */
import { decode, encode } from '../codec/cbor.ts';
import { fail, isCoreError } from '../errors.ts';
import type { Storage } from '../storage.ts';
import { SEQUENCE_LIMIT } from './numbers.ts';

/** Default step between stored bounds. */
export const DEFAULT_SEQUENCE_STEP = 64;

export class SenderSequence {
  /** Whether the counter resumed from a stored bound (the context was used before a reboot). */
  readonly restored: boolean;
  private nextSeq: number;
  private bound: number;

  constructor(private readonly storage: Storage, private readonly key: string, private readonly step: number) {
    if (!(step >= 1 && step <= 1000000 && Math.floor(step) === step)) fail('internal', 'sequence step must be a positive integer');
    const stored = readBound(storage, key);
    this.restored = stored !== null;
    this.nextSeq = stored === null ? 0 : stored;
    this.bound = this.nextSeq;
    // Claim the first block now, so that the record exists from the start.
    this.raiseBound();
  }

  /** The number the next `take` returns (for tests and diagnostics). */
  get next(): number {
    return this.nextSeq;
  }

  /** Hands out a fresh number; persists a new bound first when needed. */
  take(): number {
    if (this.nextSeq >= SEQUENCE_LIMIT) fail('internal', 'sender sequence numbers exhausted (2^40)');
    if (this.nextSeq >= this.bound) this.raiseBound();
    return this.nextSeq++;
  }

  private raiseBound(): void {
    const bound = Math.min(this.nextSeq + this.step, SEQUENCE_LIMIT);
    try {
      this.storage.write(this.key, encode(bound));
    } catch (e) {
      if (isCoreError(e)) throw e;
      fail('storage_failed', 'could not store the sequence bound');
    }
    this.bound = bound;
  }
}

function readBound(storage: Storage, key: string): number | null {
  let bytes: Uint8Array | null;
  try {
    bytes = storage.read(key);
  } catch (e) {
    if (isCoreError(e)) throw e;
    return fail('storage_failed', 'could not read the sequence bound');
  }
  if (bytes === null) return null;
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (e) {
    return fail('storage_failed', 'corrupt sequence record');
  }
  if (typeof value !== 'number' || !(value >= 0 && value <= SEQUENCE_LIMIT) || Math.floor(value) !== value) {
    fail('storage_failed', 'corrupt sequence record');
  }
  return value as number;
}

/** Removes a context's record (when the context is retired for good). */
export function forgetSequence(storage: Storage, key: string): void {
  storage.remove(key);
}
