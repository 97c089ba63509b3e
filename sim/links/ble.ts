/**
 * A Bluetooth LE link model between a phone (central, ends[0]) and a device (peripheral,
 * ends[1]). CoAP messages travel as GATT fragments (gatt-framing.ts). What it models:
 * - connection events every connIntervalMs; each carries up to packetsPerEvent link-layer
 *   data PDUs per direction;
 * - link-layer reliability: a PDU lost on the radio (probability `loss`) is sent again at the
 *   next connection event, in order, so loss costs latency, not data, while connected;
 * - out of range (a partition window): nothing gets through; when it lasts the supervision
 *   timeout the connection drops (Core 5.4 Vol 6 Part B §4.5.2), queued and half-received
 *   messages are lost, and datagrams sent while disconnected are dropped at once;
 * - reconnection: once back in range, after the device's next advertisement (uniform within
 *   advIntervalMs) and the connection set-up (connectSetupMs: CONNECT_IND, MTU exchange).
 * Bytes on air count every PDU attempt with the headers below.
 */
import type { Prng } from '../core/prng.ts';
import type { Scheduler, SimEvent } from '../core/scheduler.ts';
import type { Trace } from '../core/trace.ts';
import type { Link, LinkSink, Transmission } from './network.ts';
import { Partitions } from './partition.ts';
import type { Window } from './partition.ts';
import { ATT_HEADER, ATT_MTU_MAX, ATT_MTU_MIN, Reassembler, fragment } from './gatt-framing.ts';

/**
 * Per-PDU bytes on air besides the ATT value: preamble 1 + access address 4 + LL header 2 +
 * MIC 4 (encrypted link) + CRC 3 (Core 5.4 Vol 6 Part B §2.1, 1M PHY), L2CAP basic header 4
 * (Vol 3 Part A §3.1), ATT opcode and handle 3.
 */
export const BLE_PDU_OVERHEAD = 1 + 4 + 2 + 4 + 3 + 4 + ATT_HEADER;

export interface BleLinkParams {
  /** Negotiated ATT_MTU, 23..517. */
  attMtu: number;
  connIntervalMs: number;
  packetsPerEvent: number;
  /** Probability that one link-layer PDU is lost (and sent again at the next event). */
  loss: number;
  supervisionTimeoutMs: number;
  advIntervalMs: number;
  connectSetupMs: number;
  /** Out of range. */
  partitions: Window[];
}

export const BLE_DEFAULTS: BleLinkParams = {
  attMtu: 185, connIntervalMs: 30, packetsPerEvent: 4, loss: 0.02,
  supervisionTimeoutMs: 4000, advIntervalMs: 500, connectSetupMs: 90, partitions: [],
};

interface Queued {
  tx: Transmission;
  fragments: Uint8Array[];
  next: number;
}

class Direction {
  readonly queue: Queued[] = [];
  readonly reassembler = new Reassembler();
  service: SimEvent | null = null;
  counter = 0;
}

export class BleLink implements Link {
  readonly kind = 'ble' as const;
  readonly params: BleLinkParams;
  readonly partitions: Partitions;
  private connected = true;
  private anchor = 0;
  private readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];

  constructor(
    readonly name: string,
    /** [central (phone or bridge), peripheral (device)] */
    readonly ends: [string, string],
    params: Partial<BleLinkParams>,
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly trace: Trace,
  ) {
    this.params = { ...BLE_DEFAULTS, ...params };
    const p = this.params;
    if (!(p.attMtu >= ATT_MTU_MIN && p.attMtu <= ATT_MTU_MAX)) throw new RangeError('attMtu must be 23..517');
    if (!(p.connIntervalMs >= 7.5 && p.connIntervalMs <= 4000)) throw new RangeError('connIntervalMs must be 7.5..4000');
    if (!(p.loss >= 0 && p.loss < 1)) throw new RangeError('loss must be in [0, 1)');
    if (!(p.packetsPerEvent >= 1)) throw new RangeError('packetsPerEvent must be >= 1');
    this.partitions = new Partitions(p.partitions);
    this.anchor = scheduler.now();
    // A window longer than the supervision timeout ends the connection.
    for (const w of this.partitions.windows) {
      if (w.to - w.from >= p.supervisionTimeoutMs) scheduler.at(w.from + p.supervisionTimeoutMs, () => this.disconnect(), false);
    }
  }

  get isConnected(): boolean {
    return this.connected;
  }

  transmit(tx: Transmission, sink: LinkSink): void {
    const now = this.scheduler.now();
    if (!this.connected) {
      this.trace.linkEvent(now, this.name, 'disconnected-drop', String(tx.record.id));
      sink.drop(tx, 'disconnected');
      return;
    }
    const d = tx.from.address === this.ends[0] ? 0 : 1;
    const dir = this.dirs[d];
    const fragments = fragment(tx.bytes, dir.counter++, this.params.attMtu);
    tx.record.fragments = fragments.length;
    dir.queue.push({ tx, fragments, next: 0 });
    this.trace.linkEvent(now, this.name, 'queue', tx.record.id + ' ' + fragments.length);
    if (dir.service === null) this.schedule(d, this.nextEvent(now), sink);
  }

  /** The first connection event at or after t. */
  private nextEvent(t: number): number {
    const i = this.params.connIntervalMs;
    return this.anchor + Math.ceil((t - this.anchor) / i - 1e-9) * i;
  }

  private schedule(d: number, at: number, sink: LinkSink): void {
    const dir = this.dirs[d];
    dir.service = this.scheduler.at(at, () => this.serve(d, sink), false);
  }

  /** One connection event for one direction. */
  private serve(d: number, sink: LinkSink): void {
    const dir = this.dirs[d];
    dir.service = null;
    if (!this.connected || dir.queue.length === 0) return;
    const now = this.scheduler.now();
    const p = this.params;
    if (this.partitions.down(now)) {
      // out of range: retry once it is back (a disconnect in between flushes the queue)
      this.schedule(d, this.nextEvent(this.partitions.upAgainAt(now)), sink);
      return;
    }
    const c = this.trace.counters;
    for (let k = 0; k < p.packetsPerEvent && dir.queue.length > 0; k++) {
      const head = dir.queue[0];
      const f = head.fragments[head.next];
      this.trace.air(head.tx.from.address, head.tx.to.address, f.length + BLE_PDU_OVERHEAD);
      c.bleFragments++;
      if (this.prng.chance(p.loss)) {
        this.trace.linkEvent(now, this.name, 'pdu-lost', head.tx.record.id + ' ' + head.next);
        break; // not acknowledged: sent again at the next event, nothing overtakes it
      }
      head.next++;
      const message = dir.reassembler.push(f);
      if (message !== null) {
        dir.queue.shift();
        this.trace.linkEvent(now, this.name, 'deliver', String(head.tx.record.id));
        head.tx.bytes = message; // what the receiver gets is what the framing rebuilt
        sink.arrive(head.tx, now, false);
      }
    }
    if (dir.queue.length > 0) this.schedule(d, now + p.connIntervalMs, sink);
  }

  private disconnect(): void {
    if (!this.connected) return;
    const now = this.scheduler.now();
    this.connected = false;
    this.trace.counters.bleDisconnects++;
    this.trace.linkEvent(now, this.name, 'disconnect', '');
    this.trace.note(now, this.ends[1], 'BLE supervision timeout: disconnected');
    for (const dir of this.dirs) {
      this.scheduler.cancel(dir.service);
      dir.service = null;
      for (const q of dir.queue) {
        q.tx.record.dropped = 'ble-flushed';
        this.trace.drop('ble-flushed');
      }
      dir.queue.length = 0;
      dir.reassembler.reset();
    }
    this.scheduleReconnect(now);
  }

  private scheduleReconnect(from: number): void {
    const p = this.params;
    const back = this.partitions.upAgainAt(from);
    const at = back + p.advIntervalMs * this.prng.float() + p.connectSetupMs;
    this.scheduler.at(at, () => {
      const now = this.scheduler.now();
      if (this.partitions.down(now)) {
        this.scheduleReconnect(now);
        return;
      }
      this.connected = true;
      this.anchor = now;
      this.trace.counters.bleReconnects++;
      this.trace.linkEvent(now, this.name, 'connect', '');
      this.trace.note(now, this.ends[1], 'BLE reconnected');
    }, false);
  }
}
