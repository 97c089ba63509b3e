/**
 * What a run records: counters always; in detail (for the report's sequence chart) only when
 * asked. Every link event also feeds a running SHA-256, the run's link-event digest: two runs
 * with the same seed have the same digest, a different seed a different one.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

/** Why a datagram did not arrive. */
export type DropReason = 'loss' | 'partition' | 'disconnected' | 'no-route' | 'no-listener' | 'ble-flushed';

export interface Counters {
  datagrams: number;
  delivered: number;
  duplicated: number;
  reordered: number;
  dropped: { [reason: string]: number };
  /** CoAP datagram bytes handed to links (each transmission, retransmissions included). */
  coapBytes: number;
  /** Bytes on the air: the link's headers and every link-layer attempt included. */
  airBytes: number;
  /** Confirmable messages sent again with the same message ID (CoAP retransmissions). */
  retransmissions: number;
  bleFragments: number;
  bleDisconnects: number;
  bleReconnects: number;
}

/** One datagram for the sequence chart. */
export interface MessageRecord {
  id: number;
  sent: number;
  arrived: number | null;
  from: string;
  to: string;
  link: string;
  label: string;
  bytes: number;
  fragments: number;
  dropped: DropReason | null;
}

/** A note on a lane of the chart ("door unlocked", "reboot"). */
export interface NoteRecord {
  t: number;
  lane: string;
  text: string;
}

export function newCounters(): Counters {
  return {
    datagrams: 0, delivered: 0, duplicated: 0, reordered: 0, dropped: {}, coapBytes: 0, airBytes: 0,
    retransmissions: 0, bleFragments: 0, bleDisconnects: 0, bleReconnects: 0,
  };
}

export class Trace {
  readonly counters: Counters = newCounters();
  readonly messages: MessageRecord[] = [];
  readonly notes: NoteRecord[] = [];
  private readonly digest: Hash = createHash('sha256');
  private events = 0;
  private nextId = 1;
  /** Turns an address into its lane name (the network sets it). */
  laneOf: (address: string) => string = (a) => a;

  /** `detail`: keep every datagram and note (scenarios); a fleet keeps counters only. */
  constructor(readonly detail: boolean) {}

  /** One link event into the digest: time, link, kind and whatever identifies it. */
  linkEvent(t: number, link: string, kind: string, info: string): void {
    this.events++;
    this.digest.update(t.toFixed(3) + ' ' + link + ' ' + kind + ' ' + info + '\n');
  }

  get linkEvents(): number {
    return this.events;
  }

  /** The digest so far (hex). */
  linkDigest(): string {
    return this.digest.copy().digest('hex');
  }

  /** Per node address: bytes on the air of what it sent or was sent (a fleet's per-unlock cost). */
  readonly airByAddress = new Map<string, number>();
  /** Per node address: CoAP datagrams it sent that were retransmissions. */
  readonly retransmissionsByAddress = new Map<string, number>();

  /** Bytes on the air for a transmission between two addresses. */
  air(from: string, to: string, bytes: number): void {
    this.counters.airBytes += bytes;
    this.airByAddress.set(from, (this.airByAddress.get(from) ?? 0) + bytes);
    this.airByAddress.set(to, (this.airByAddress.get(to) ?? 0) + bytes);
  }

  retransmission(from: string): void {
    this.counters.retransmissions++;
    this.retransmissionsByAddress.set(from, (this.retransmissionsByAddress.get(from) ?? 0) + 1);
  }

  drop(reason: DropReason): void {
    this.counters.dropped[reason] = (this.counters.dropped[reason] || 0) + 1;
  }

  newMessage(m: Omit<MessageRecord, 'id'>): MessageRecord {
    const rec: MessageRecord = { id: this.nextId++, ...m };
    if (this.detail) this.messages.push(rec);
    return rec;
  }

  /** `lane`: a node's address or name. */
  note(t: number, lane: string, text: string): void {
    if (this.detail) this.notes.push({ t, lane: this.laneOf(lane), text });
  }
}
