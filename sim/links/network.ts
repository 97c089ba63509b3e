/**
 * The simulated network: nodes listen on (address, port); a link joins two addresses and
 * decides, from its model, when (and whether, and how often) a datagram sent over it arrives.
 * The network counts what every link carries, spots CoAP retransmissions, records datagrams
 * for the sequence chart, and lets an attacker's tap read what crosses a radio link.
 */
import type { Scheduler } from '../core/scheduler.ts';
import type { DropReason, MessageRecord, Trace } from '../core/trace.ts';
import { coapLabel, peekHeader } from '../core/coap-label.ts';
import { EXCHANGE_LIFETIME, Type } from '../../device/coap/numbers.ts';

export interface Addr {
  address: string;
  port: number;
}

export function addrText(a: Addr): string {
  return a.address + ':' + a.port;
}

/** "10.0.0.1:5683" -> Addr; the peer form the device's endpoint uses. */
export function parseAddr(peer: string): Addr | null {
  const colon = peer.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = Number(peer.slice(colon + 1));
  return port > 0 && port < 65536 ? { address: peer.slice(0, colon), port } : null;
}

export interface Receiver {
  /** Whether delivery may wake promise chains (node-coap, the phone library). */
  readonly wakesPromises: boolean;
  receive(datagram: Uint8Array, from: Addr): void;
}

/** One datagram handed to a link. */
export interface Transmission {
  from: Addr;
  to: Addr;
  bytes: Uint8Array;
  record: MessageRecord;
}

/** What a link tells the network about one transmission. */
export interface LinkSink {
  /** The datagram (or a copy) arrives at `at`. */
  arrive(tx: Transmission, at: number, duplicate: boolean): void;
  drop(tx: Transmission, reason: DropReason): void;
}

export interface Link {
  readonly name: string;
  readonly kind: 'udp' | 'ble';
  /** The two addresses it joins. */
  readonly ends: [string, string];
  transmit(tx: Transmission, sink: LinkSink): void;
}

export type Tap = (tx: Transmission, link: Link) => void;

export class Network implements LinkSink {
  private readonly receivers = new Map<string, Receiver>();
  private readonly links = new Map<string, Link>();
  private readonly names = new Map<string, string>();
  private readonly taps = new Map<string, Tap[]>();
  /** CON (from, to, mid) -> when first sent: a resend within EXCHANGE_LIFETIME is a retransmission. */
  private readonly cons = new Map<string, number>();

  constructor(private readonly scheduler: Scheduler, readonly trace: Trace) {
    trace.laneOf = (a: string) => this.nameOf(a);
  }

  /** The lane name of an address (a node's name), for the chart. */
  name(address: string, name: string): void {
    this.names.set(address, name);
  }

  nameOf(address: string): string {
    return this.names.get(address) ?? address;
  }

  listen(at: Addr, receiver: Receiver): void {
    this.receivers.set(addrText(at), receiver);
  }

  unlisten(at: Addr): void {
    this.receivers.delete(addrText(at));
  }

  connect(link: Link): Link {
    this.links.set(pairKey(link.ends[0], link.ends[1]), link);
    return link;
  }

  linkBetween(a: string, b: string): Link | undefined {
    return this.links.get(pairKey(a, b));
  }

  /** Calls `tap` with every datagram the link carries (an eavesdropper in radio range). */
  tap(link: Link, tap: Tap): void {
    const list = this.taps.get(link.name) ?? [];
    list.push(tap);
    this.taps.set(link.name, list);
  }

  send(from: Addr, to: Addr, bytes: Uint8Array): void {
    const now = this.scheduler.now();
    const c = this.trace.counters;
    c.datagrams++;
    c.coapBytes += bytes.length;
    this.countRetransmission(from, to, bytes, now);
    const link = this.links.get(pairKey(from.address, to.address));
    const record = this.trace.newMessage({
      sent: now, arrived: null, from: this.nameOf(from.address), to: this.nameOf(to.address), link: link ? link.name : '-',
      label: this.trace.detail ? coapLabel(bytes) : '', bytes: bytes.length, fragments: 1, dropped: null,
    });
    const tx: Transmission = { from, to, bytes: bytes.slice(), record };
    if (link === undefined) {
      this.drop(tx, 'no-route');
      return;
    }
    const taps = this.taps.get(link.name);
    if (taps !== undefined) for (const t of taps) t(tx, link);
    link.transmit(tx, this);
  }

  // ---------------------------------------------------------------- LinkSink

  arrive(tx: Transmission, at: number, duplicate: boolean): void {
    const key = addrText(tx.to);
    const wakes = this.receivers.get(key)?.wakesPromises ?? true;
    this.scheduler.at(at, () => {
      const receiver = this.receivers.get(key);
      if (receiver === undefined) {
        if (!duplicate) this.drop(tx, 'no-listener');
        return;
      }
      if (!duplicate) {
        tx.record.arrived = this.scheduler.now();
        this.trace.counters.delivered++;
      }
      receiver.receive(tx.bytes, tx.from);
    }, wakes);
  }

  drop(tx: Transmission, reason: DropReason): void {
    if (tx.record.dropped === null) tx.record.dropped = reason;
    this.trace.drop(reason);
  }

  private countRetransmission(from: Addr, to: Addr, bytes: Uint8Array, now: number): void {
    const h = peekHeader(bytes);
    if (h === null || h.type !== Type.CON) return;
    const key = addrText(from) + '>' + addrText(to) + '#' + h.messageId;
    const first = this.cons.get(key);
    if (first !== undefined && now - first < EXCHANGE_LIFETIME) this.trace.retransmission(from.address);
    else this.cons.set(key, now);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? a + '|' + b : b + '|' + a;
}
