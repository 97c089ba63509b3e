/**
 * The cnonces of a device without a clock (RFC 9200 §5.3.1, §5.10.4): it hands one out in
 * its creation hints, the AS copies it into the token, and the device accepts the token
 * only if the cnonce is one it issued recently — proof the token was made after that moment.
 *
 * A bounded list on the monotonic clock: the oldest nonce is forgotten when it is full, and a
 * nonce is good for `maxAgeMs` after issue. A nonce may serve several tokens within that
 * time (a phone may ask the AS twice); replays of an accepted token are the token store's business.
 */
import { bytesEqual } from '../codec/bytes.ts';

export interface NonceListOptions {
  randomBytes: (length: number) => Uint8Array;
  now: () => number;
  /** Default 8 (64 bits). */
  length?: number;
  /** Default 16. */
  capacity?: number;
  /** Default 5 minutes. */
  maxAgeMs?: number;
}

export class NonceList {
  private readonly nonces: Uint8Array[] = [];
  private readonly issuedAt: number[] = [];
  private readonly length: number;
  private readonly capacity: number;
  private readonly maxAgeMs: number;

  constructor(private readonly options: NonceListOptions) {
    this.length = options.length || 8;
    this.capacity = options.capacity || 16;
    this.maxAgeMs = options.maxAgeMs || 300000;
  }

  issue(): Uint8Array {
    const nonce = this.options.randomBytes(this.length);
    if (this.nonces.length >= this.capacity) {
      this.nonces.shift();
      this.issuedAt.shift();
    }
    this.nonces.push(nonce);
    this.issuedAt.push(this.options.now());
    return nonce;
  }

  /** Whether `cnonce` was issued here within the last maxAgeMs. */
  isFresh(cnonce: Uint8Array): boolean {
    const now = this.options.now();
    for (let i = 0; i < this.nonces.length; i++) {
      if (bytesEqual(this.nonces[i], cnonce)) return now - this.issuedAt[i] <= this.maxAgeMs;
    }
    return false;
  }
}
