/**
 * One simulation run: the virtual clock and its scheduler, the seeded random streams, the
 * network, the trace. `run(main)` executes an async scenario in virtual time: node-coap and
 * the phone library see virtual timers and a seeded Math.random while it runs.
 */
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { nodeProvider } from '../../device/crypto/node/provider.ts';
import type { Clock } from '../../device/storage.ts';
import { Prng } from './prng.ts';
import { Scheduler } from './scheduler.ts';
import { Trace } from './trace.ts';
import { installVirtualEnvironment } from './virtual-env.ts';
import { Network } from '../links/network.ts';
import { UdpLink } from '../links/udp.ts';
import type { UdpLinkParams } from '../links/udp.ts';
import { BleLink } from '../links/ble.ts';
import type { BleLinkParams } from '../links/ble.ts';

export interface SimOptions {
  seed: number | string;
  /** Keep every datagram for the sequence chart (scenarios), or counters only (fleets). */
  detail?: boolean;
  /** Virtual wall time at t = 0, ms since the epoch (UTC). */
  epochMs?: number;
  /** The simulated local time zone, minutes east of UTC (policies speak local time). */
  utcOffsetMinutes?: number;
}

/** 2026-03-02 17:00 local time at UTC+01:00: a Monday, shortly before the evening. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 2, 2, 16, 0, 0);
export const DEFAULT_UTC_OFFSET_MINUTES = 60;

export class SimStalled extends Error {}

export class Sim {
  readonly scheduler = new Scheduler();
  readonly prng: Prng;
  readonly trace: Trace;
  readonly network: Network;
  readonly epochMs: number;
  readonly utcOffsetMinutes: number;
  private addresses = new Map<string, number>();
  private providers = new Map<string, CryptoProvider>();

  constructor(readonly options: SimOptions) {
    this.prng = Prng.of(options.seed);
    this.trace = new Trace(options.detail ?? true);
    this.network = new Network(this.scheduler, this.trace);
    this.epochMs = options.epochMs ?? DEFAULT_EPOCH_MS;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? DEFAULT_UTC_OFFSET_MINUTES;
  }

  now(): number {
    return this.scheduler.now();
  }

  /** Virtual wall time, seconds since the epoch. */
  wallSeconds(): number {
    return (this.epochMs + this.scheduler.now()) / 1000;
  }

  /** Virtual milliseconds at which the local clock shows hh:mm on day `day` (0 = the first). */
  atLocal(hh: number, mm: number, day = 0): number {
    const localEpoch = this.epochMs + this.utcOffsetMinutes * 60000;
    const midnight = Math.floor(localEpoch / 86400000) * 86400000;
    return midnight + day * 86400000 + (hh * 60 + mm) * 60000 - localEpoch;
  }

  /** "18:30" local for a run-relative time (for reports). */
  localTimeText(t = this.scheduler.now()): string {
    const local = new Date(this.epochMs + t + this.utcOffsetMinutes * 60000);
    return String(local.getUTCHours()).padStart(2, '0') + ':' + String(local.getUTCMinutes()).padStart(2, '0') + ':' +
      String(local.getUTCSeconds()).padStart(2, '0');
  }

  /** The device clock: wall time when it has one, the virtual monotonic clock always. */
  clock(hasClock: boolean): Clock {
    return {
      nowSeconds: hasClock ? () => this.wallSeconds() : () => null,
      monotonicMs: () => this.scheduler.now(),
    };
  }

  /** A node:crypto provider drawing its randomness (keys, nonces, IDs) from a seeded stream. */
  provider(label: string): CryptoProvider {
    let p = this.providers.get(label);
    if (p === undefined) {
      const stream = this.prng.fork('crypto/' + label);
      p = nodeProvider({ randomBytes: (n: number) => stream.bytes(n) });
      this.providers.set(label, p);
    }
    return p;
  }

  /** A fresh address in a /16 per kind of node ("10.<net>.x.y"). */
  address(net: number): string {
    const n = (this.addresses.get(String(net)) ?? 0) + 1;
    this.addresses.set(String(net), n);
    return '10.' + net + '.' + (n >> 8) + '.' + (n & 255);
  }

  udp(name: string, a: string, b: string, params: Partial<UdpLinkParams> = {}): UdpLink {
    const link = new UdpLink(name, [a, b], params, this.scheduler, this.prng.fork('link/' + name), this.trace);
    this.network.connect(link);
    return link;
  }

  ble(name: string, central: string, peripheral: string, params: Partial<BleLinkParams> = {}): BleLink {
    const link = new BleLink(name, [central, peripheral], params, this.scheduler, this.prng.fork('link/' + name), this.trace);
    this.network.connect(link);
    return link;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.scheduler.after(ms, resolve));
  }

  /** Resolves at virtual time t (at once if it has passed). */
  until(t: number): Promise<void> {
    return new Promise((resolve) => this.scheduler.at(t, resolve));
  }

  /**
   * Runs `main` in virtual time until it settles. Fails with SimStalled when nothing is left
   * to happen while main still waits (a hang), or when virtual time passes `limitMs`.
   */
  async run<T>(main: () => Promise<T>, limitMs = 7 * 86400000): Promise<T> {
    const random = this.prng.fork('math-random');
    const restore = installVirtualEnvironment(this.scheduler, () => random.float());
    try {
      let settled = false;
      const result = main().finally(() => {
        settled = true;
      });
      result.catch(() => undefined); // observed below
      const why = await this.scheduler.run(() => settled, limitMs);
      if (!settled) {
        throw new SimStalled(why === 'idle'
          ? 'the simulation stalled: the scenario waits and nothing is scheduled'
          : 'the scenario did not finish within ' + limitMs + ' ms of virtual time');
      }
      return await result;
    } finally {
      restore();
    }
  }
}
