/**
 * The deduplication table of the server (RFC 7252 §4.5): which (peer, message ID) pairs
 * were seen within EXCHANGE_LIFETIME, and the reply each got, so a duplicate CON is
 * answered with the same bytes again and the request is processed only once.
 *
 * Bounded: a ring of at most `capacity` entries, oldest first. Every entry lives equally
 * long, so the oldest also expires first; when the ring is full the oldest is evicted
 * early. Lookup hashes the message ID into a power-of-two bucket array and walks the
 * chain of the few entries in that bucket comparing peers: no per-message string
 * building or allocation once the ring is full (entry objects are reused).
 */
import { fail } from '../errors.ts';

export class DedupEntry {
  peer = '';
  messageId = -1;
  expires = 0;
  /** The bytes that answered the request (response or Empty ACK); null while none was sent. */
  reply: Uint8Array | null = null;
  /** Next entry in the same bucket. */
  next: DedupEntry | null = null;
}

export class DedupTable {
  readonly capacity: number;
  private readonly ring: DedupEntry[] = [];
  private head = 0;
  private count = 0;
  private readonly buckets: Array<DedupEntry | null> = [];
  private readonly mask: number;

  constructor(capacity: number) {
    if (!(capacity >= 1 && capacity <= 0x10000) || capacity % 1 !== 0) fail('internal', 'deduplication capacity must be an integer from 1 to 65536');
    this.capacity = capacity;
    let size = 1;
    while (size < capacity) size *= 2;
    for (let i = 0; i < size; i++) this.buckets.push(null);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  find(peer: string, messageId: number): DedupEntry | null {
    let e = this.buckets[messageId & this.mask];
    while (e !== null) {
      if (e.messageId === messageId && e.peer === peer) return e;
      e = e.next;
    }
    return null;
  }

  /** Forgets the entries that expired by `now` (oldest first; stops at the first live one). */
  expire(now: number): void {
    while (this.count > 0 && this.ring[this.head].expires <= now) this.dropOldest();
  }

  /** Remembers a new request; evicts the oldest entry when the table is full. */
  add(peer: string, messageId: number, expires: number): DedupEntry {
    if (this.count === this.capacity) this.dropOldest();
    const slot = (this.head + this.count) % this.capacity;
    let e = this.ring[slot];
    if (e === undefined) {
      e = new DedupEntry();
      this.ring[slot] = e;
    }
    e.peer = peer;
    e.messageId = messageId;
    e.expires = expires;
    e.reply = null;
    const b = messageId & this.mask;
    e.next = this.buckets[b];
    this.buckets[b] = e;
    this.count++;
    return e;
  }

  private dropOldest(): void {
    const e = this.ring[this.head];
    this.unlink(e);
    e.reply = null;
    e.peer = '';
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }

  private unlink(e: DedupEntry): void {
    const b = e.messageId & this.mask;
    let p = this.buckets[b];
    if (p === e) this.buckets[b] = e.next;
    else {
      while (p !== null && p.next !== e) p = p.next;
      if (p !== null) p.next = e.next;
    }
    e.next = null;
  }
}
