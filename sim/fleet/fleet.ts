/**
 * A fleet run: N locks and M phones at once, sharing one AS. Each phone belongs to a user
 * whose policy opens one lock (phone j -> lock j mod N); a few phones belong to strangers with
 * no permission on the lock they try, and must be refused. Every phone starts at a random
 * moment of the first minute: log in, get a token, post it, unlock. Measured in virtual time:
 * the success rate, the time from start to the 2.04 of the unlock, the bytes on the air and
 * the CoAP retransmissions of each successful phone (its own exchanges with the AS and the lock).
 *
 * `loss` applies to every link (radio and internet alike); a fraction of the phones reach their
 * lock over BLE instead of Wi-Fi; a fraction of the locks are connected (reference tokens and
 * introspection) instead of disconnected (self-contained signed tokens).
 */
import type { AccessRule } from '../as/policy.ts';
import { World } from '../scenarios/world.ts';
import { UNLOCK, codeOf } from '../scenarios/home.ts';
import type { SimDevice } from '../device/host.ts';
import type { Phone } from '../phone/phone.ts';
import type { Counters } from '../core/trace.ts';
import { histogram, round1, summarize } from './stats.ts';
import type { Summary } from './stats.ts';

export interface FleetOptions {
  devices: number;
  phones: number;
  /** Loss probability on every link, 0..1. */
  loss: number;
  seed: number | string;
  /** Fraction of phones that use BLE to their lock. Default 0.25. */
  ble?: number;
  /** Fraction of locks that are connected (introspection). Default 0.25. */
  connected?: number;
  /** Fraction of phones without permission. Default 0.05. */
  strangers?: number;
  /** Phones start within this many ms. Default 60000. */
  spreadMs?: number;
}

export interface FleetResult {
  options: Required<FleetOptions> & { seed: string };
  legitimate: number;
  unlocked: number;
  failed: number;
  failures: { [reason: string]: number };
  successRate: number;
  strangers: number;
  strangersRefused: number;
  /** Security expectations violated (a stranger opened a lock, a lock opened more often than its users asked). */
  violations: string[];
  timeToUnlockMs: Summary;
  airBytesPerUnlock: Summary;
  retransmissionsPerUnlock: Summary;
  /** Time-to-unlock histogram: 250 ms buckets, the last one open-ended. */
  latencyHistogram: { bucketMs: number; counts: number[] };
  airBytesHistogram: { bucketBytes: number; counts: number[] };
  virtualMs: number;
  events: number;
  counters: Counters;
  linkDigest: string;
}

const TOKEN_SCOPE = 'lock:open';

function reasonOf(e: unknown): string {
  const m = e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : String(e);
  return m.replace(/\d+(\.\d+)? ?m?s\b/g, 'N ms').slice(0, 80);
}

export function checkFleetOptions(o: FleetOptions): Required<FleetOptions> & { seed: string } {
  const full = { ble: 0.25, connected: 0.25, strangers: 0.05, spreadMs: 60000, ...o, seed: String(o.seed) };
  const ints: Array<[string, number, number]> = [['devices', full.devices, 100000], ['phones', full.phones, 100000]];
  for (const [name, v, max] of ints) if (!(Number.isInteger(v) && v >= 1 && v <= max)) throw new RangeError('--' + name + ' must be an integer 1..' + max);
  for (const [name, v] of [['loss', full.loss], ['ble', full.ble], ['connected', full.connected], ['strangers', full.strangers]] as const) {
    if (!(v >= 0 && v < 1)) throw new RangeError('--' + name + ' must be in [0, 1)');
  }
  if (!(full.spreadMs >= 0)) throw new RangeError('spreadMs must be >= 0');
  return full;
}

export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const o = checkFleetOptions(options);
  const rules: AccessRule[] = [];
  const w = new World({ seed: 'fleet#' + o.seed, detail: false, rules, asLink: { loss: o.loss, delayMs: 40, jitterMs: 20 } });
  const pick = w.sim.prng.fork('fleet');
  const locks: SimDevice[] = [];
  for (let i = 0; i < o.devices; i++) {
    const name = 'lock-' + String(i + 1).padStart(5, '0');
    locks.push(w.addDevice(name, { kind: 'lock', mode: pick.chance(o.connected) ? 'connected' : 'disconnected', hasClock: true, tickMs: 5000 }));
  }
  interface Plan { phone: Phone; lock: SimDevice; stranger: boolean; startAt: number }
  const plans: Plan[] = [];
  for (let j = 0; j < o.phones; j++) {
    const lock = locks[j % locks.length];
    const stranger = pick.chance(o.strangers);
    const user = 'user-' + (j + 1);
    // a stranger's permission is on another lock than the one it tries
    const own = stranger && locks.length > 1 ? locks[(j + 1) % locks.length] : lock;
    if (!stranger || locks.length > 1) rules.push({ subject: user, audience: own.name, scopes: [TOKEN_SCOPE] });
    w.as.directory.addUser(user, 'pw-' + (j + 1));
    const phone = w.addPhone('phone-' + (j + 1), user, 'pw-' + (j + 1));
    if (pick.chance(o.ble)) w.ble(phone, lock, { loss: o.loss });
    else w.wifi(phone, lock, { loss: o.loss, delayMs: 8, jitterMs: 6 });
    plans.push({ phone, lock, stranger, startAt: Math.floor(pick.float() * o.spreadMs) });
  }
  const unlocksByLock = new Map<string, number>();
  for (const lock of locks) lock.device.lock!.onUnlock(() => unlocksByLock.set(lock.name, (unlocksByLock.get(lock.name) ?? 0) + 1));

  const latencies: number[] = [];
  const air: number[] = [];
  const retransmissions: number[] = [];
  const failures: { [reason: string]: number } = {};
  const violations: string[] = [];
  const legitByLock = new Map<string, number>();
  let unlocked = 0;
  let strangersRefused = 0;

  await w.sim.run(async () => {
    await Promise.all(plans.map(async (p) => {
      await w.sim.until(p.startAt);
      const started = w.sim.now();
      try {
        const grant = await p.phone.obtainToken(p.lock.name, TOKEN_SCOPE);
        const session = await p.phone.connect(p.lock.addr, grant);
        const r = await session.request(UNLOCK);
        if (codeOf(r) !== '2.04') throw new Error('unlock answered ' + codeOf(r));
        if (p.stranger) {
          violations.push(p.phone.name + ' (no permission) opened ' + p.lock.name);
          return;
        }
        unlocked++;
        legitByLock.set(p.lock.name, (legitByLock.get(p.lock.name) ?? 0) + 1);
        latencies.push(w.sim.now() - started);
        air.push(w.sim.trace.airByAddress.get(p.phone.addr.address) ?? 0);
        retransmissions.push(w.sim.trace.retransmissionsByAddress.get(p.phone.addr.address) ?? 0);
      } catch (e) {
        if (p.stranger) strangersRefused++;
        else {
          const reason = reasonOf(e);
          failures[reason] = (failures[reason] ?? 0) + 1;
        }
      }
    }));
  }, 3600000);

  for (const lock of locks) {
    const opened = unlocksByLock.get(lock.name) ?? 0;
    const asked = plans.filter((p) => p.lock === lock && !p.stranger).length;
    if (opened > asked * 3) violations.push(lock.name + ' opened ' + opened + ' times for ' + asked + ' legitimate phones');
  }
  const strangers = plans.filter((p) => p.stranger).length;
  const legitimate = plans.length - strangers;
  const failed = legitimate - unlocked;
  return {
    options: o, legitimate, unlocked, failed, failures, successRate: round1((100 * unlocked) / Math.max(1, legitimate)),
    strangers, strangersRefused, violations,
    timeToUnlockMs: summarize(latencies), airBytesPerUnlock: summarize(air), retransmissionsPerUnlock: summarize(retransmissions),
    latencyHistogram: { bucketMs: 250, counts: histogram(latencies, 250, 40) },
    airBytesHistogram: { bucketBytes: 250, counts: histogram(air, 250, 40) },
    virtualMs: round1(w.sim.now()), events: w.sim.scheduler.processed, counters: w.sim.trace.counters, linkDigest: w.sim.trace.linkDigest(),
  };
}
