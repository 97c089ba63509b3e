/**
 * The deduplication table of the server (RFC 7252 §4.5): which (peer, message ID) pairs
 * were seen within EXCHANGE_LIFETIME, and the reply each got, so a duplicate CON is
 * answered with the same bytes again and the request is processed only once.
 *
 * Bounded: a ring of at most `capacity` entries, oldest first. Every entry lives equally
 * long, so the oldest also expires first; when the ring is full the oldest is evicted
 * early. Lookup is by message ID (an object keyed by number) then peer, along a chain of
 * the few entries that share a message ID: no per-message string building, O(1) work.
 * Entry objects are reused once the ring is full.
 */
import { fail } from '../errors.ts';

export class DedupEntry {
  peer = '';
  messageId = -1;
  expires = 0;
  /** The bytes that answered the request (response or Empty ACK); null while none was sent. */
  reply: Uint8Array | null = null;
  /** Next entry with the same message ID. */
  next: DedupEntry | null = null;
}

export class DedupTable {
  readonly capacity: number;
  private readonly ring: DedupEntry[] = [];
  private head = 0;
  private count = 0;
  private readonly byMid: { [messageId: number]: DedupEntry | undefined } = {};

  constructor(capacity: number) {
    if (!(capacity >= 1) || capacity % 1 !== 0) fail('internal', 'deduplication capacity must be a positive integer');
    this.capacity = capacity;
  }

  get size(): number {
    return this.count;
  }

  find(peer: string, messageId: number): DedupEntry | null {
    let e: DedupEntry | null | undefined = this.byMid[messageId];
    while (e !== undefined && e !== null) {
      if (e.peer === peer) return e;
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
    const first = this.byMid[messageId];
    e.next = first === undefined ? null : first;
    this.byMid[messageId] = e;
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
    const first = this.byMid[e.messageId];
    if (first === e) {
      if (e.next === null) delete this.byMid[e.messageId];
      else this.byMid[e.messageId] = e.next;
    } else {
      let p: DedupEntry | null | undefined = first;
      while (p !== undefined && p !== null && p.next !== e) p = p.next;
      if (p !== undefined && p !== null) p.next = e.next;
    }
    e.next = null;
  }
}
