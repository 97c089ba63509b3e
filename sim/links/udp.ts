/**
 * A CoAP/UDP link model (Wi-Fi, cellular, a home network): each datagram is lost with a
 * probability, else arrives after a base delay plus uniform jitter; a few are held back
 * further (reordering) or arrive twice (duplication); nothing crosses during a partition, and
 * a datagram in flight when one begins is lost. Both directions share the parameters; each
 * draw comes from the link's own seeded stream.
 */
import type { Prng } from '../core/prng.ts';
import type { Scheduler } from '../core/scheduler.ts';
import type { Trace } from '../core/trace.ts';
import type { Link, LinkSink, Transmission } from './network.ts';
import { Partitions } from './partition.ts';
import type { Window } from './partition.ts';

/** IPv4 (RFC 791, 20 bytes without options) and UDP (RFC 768, 8 bytes) headers. */
export const IPV4_UDP_OVERHEAD = 28;
/** 802.11 data frame: MAC header 24 + QoS 2 + FCS 4 + LLC/SNAP 8 (IEEE 802.11-2020 §9.3.2.1). */
export const WIFI_FRAME_OVERHEAD = 38;

export interface UdpLinkParams {
  /** Probability that a datagram is lost, 0..1. */
  loss: number;
  /** One-way base delay, ms. */
  delayMs: number;
  /** Uniform extra delay in [0, jitterMs). */
  jitterMs: number;
  /** Probability that a datagram arrives twice. */
  duplicate: number;
  /** Probability that a datagram is held back by reorderMs more (overtaken by later ones). */
  reorder: number;
  reorderMs: number;
  /** Header bytes on the air per datagram (IP/UDP and the link's frame). */
  overheadBytes: number;
  partitions: Window[];
}

export const UDP_DEFAULTS: UdpLinkParams = {
  loss: 0, delayMs: 20, jitterMs: 10, duplicate: 0, reorder: 0, reorderMs: 50,
  overheadBytes: IPV4_UDP_OVERHEAD + WIFI_FRAME_OVERHEAD, partitions: [],
};

export class UdpLink implements Link {
  readonly kind = 'udp' as const;
  readonly params: UdpLinkParams;
  readonly partitions: Partitions;

  constructor(
    readonly name: string,
    readonly ends: [string, string],
    params: Partial<UdpLinkParams>,
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly trace: Trace,
  ) {
    this.params = { ...UDP_DEFAULTS, ...params };
    const p = this.params;
    for (const [k, v] of [['loss', p.loss], ['duplicate', p.duplicate], ['reorder', p.reorder]] as const) {
      if (!(v >= 0 && v <= 1)) throw new RangeError(k + ' must be between 0 and 1');
    }
    if (!(p.delayMs >= 0) || !(p.jitterMs >= 0) || !(p.reorderMs >= 0)) throw new RangeError('delays must be >= 0');
    this.partitions = new Partitions(p.partitions);
  }

  transmit(tx: Transmission, sink: LinkSink): void {
    const p = this.params;
    const now = this.scheduler.now();
    const c = this.trace.counters;
    this.trace.air(tx.from.address, tx.to.address, tx.bytes.length + p.overheadBytes);
    const id = tx.record.id;
    if (this.partitions.down(now)) return this.lose(tx, sink, 'partition', now);
    if (this.prng.chance(p.loss)) return this.lose(tx, sink, 'loss', now);
    let delay = p.delayMs + p.jitterMs * this.prng.float();
    if (this.prng.chance(p.reorder)) {
      delay += p.reorderMs;
      c.reordered++;
      this.trace.linkEvent(now, this.name, 'reorder', String(id));
    }
    const at = now + delay;
    if (this.partitions.overlaps(now, at)) return this.lose(tx, sink, 'partition', now);
    this.trace.linkEvent(now, this.name, 'send', id + ' ' + tx.bytes.length + ' ' + at.toFixed(3));
    sink.arrive(tx, at, false);
    if (this.prng.chance(p.duplicate)) {
      const again = at + p.jitterMs * this.prng.float() + 1;
      c.duplicated++;
      this.trace.air(tx.from.address, tx.to.address, tx.bytes.length + p.overheadBytes);
      this.trace.linkEvent(now, this.name, 'duplicate', id + ' ' + again.toFixed(3));
      sink.arrive(tx, again, true);
    }
  }

  private lose(tx: Transmission, sink: LinkSink, reason: 'loss' | 'partition', now: number): void {
    this.trace.linkEvent(now, this.name, reason, String(tx.record.id));
    sink.drop(tx, reason);
  }
}
