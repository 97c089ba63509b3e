/**
 * The simulator's kernel and link models: seeded streams, event order, virtual timers, UDP
 * loss/delay/duplication/partitions within bounds, GATT fragmentation, the BLE link's
 * connection events, supervision timeout and reconnection.
 */
import test from 'ava';
import fc from 'fast-check';
import { Prng } from '../../sim/core/prng.ts';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { installVirtualEnvironment } from '../../sim/core/virtual-env.ts';
import { Sim } from '../../sim/core/sim.ts';
import type { Addr, Receiver } from '../../sim/links/network.ts';
import { Reassembler, fragment, fragmentPayload } from '../../sim/links/gatt-framing.ts';
import type { BleLink } from '../../sim/links/ble.ts';

/** A node that records what reaches it, and when. */
function sink(sim: Sim, address: string): { got: Array<{ t: number; bytes: Uint8Array }>; addr: Addr } {
  const got: Array<{ t: number; bytes: Uint8Array }> = [];
  const addr = { address, port: 5683 };
  const r: Receiver = { wakesPromises: false, receive: (bytes) => got.push({ t: sim.now(), bytes }) };
  sim.network.listen(addr, r);
  return { got, addr };
}

/** Sends `count` numbered datagrams a->b, one every `everyMs`, then runs the schedule out. */
async function pump(sim: Sim, from: Addr, to: Addr, count: number, everyMs: number, size = 12): Promise<void> {
  for (let i = 0; i < count; i++) {
    sim.scheduler.at(i * everyMs, () => {
      const d = new Uint8Array(size);
      d[0] = 0x50; // CoAP version 1, NON: no retransmission bookkeeping
      new DataView(d.buffer).setUint32(4, i);
      sim.network.send(from, to, d);
    }, false);
  }
  await sim.scheduler.run(() => false, count * everyMs + 60000);
}

function numberOf(d: Uint8Array): number {
  return new DataView(d.buffer, d.byteOffset).getUint32(4);
}

test('Prng: the same seed gives the same stream, forks are independent and stable', (t) => {
  const a = Prng.of(7);
  const b = Prng.of(7);
  const xs = Array.from({ length: 100 }, () => a.u32());
  t.deepEqual(xs, Array.from({ length: 100 }, () => b.u32()));
  t.notDeepEqual(xs, Array.from({ length: 100 }, () => Prng.of(8).u32()));
  const f1 = Prng.of(7).fork('link/x');
  const g = Prng.of(7);
  for (let i = 0; i < 50; i++) g.u32(); // drawing from the parent does not move the fork
  t.is(f1.u32(), g.fork('link/x').u32());
  const floats = Array.from({ length: 10000 }, () => a.float());
  t.true(floats.every((v) => v >= 0 && v < 1));
  const mean = floats.reduce((s, v) => s + v, 0) / floats.length;
  t.true(Math.abs(mean - 0.5) < 0.02);
});

test('Scheduler: events run by time, then by order of scheduling; cancelled ones never', async (t) => {
  const s = new Scheduler();
  const order: string[] = [];
  s.at(20, () => order.push('b'));
  s.at(10, () => order.push('a'));
  s.at(20, () => order.push('c'));
  const x = s.at(15, () => order.push('x'));
  s.cancel(x);
  s.at(5, () => s.after(5, () => order.push('a2')), false); // at 10, after 'a'
  t.is(await s.run(() => false), 'idle');
  t.deepEqual(order, ['a', 'a2', 'b', 'c']);
  t.is(s.now(), 20);
});

test('virtual environment: timers follow virtual time, Math.random is seeded, globals come back', async (t) => {
  const realSetTimeout = globalThis.setTimeout;
  const realRandom = Math.random;
  const s = new Scheduler();
  const restore = installVirtualEnvironment(s, () => 0.25);
  try {
    t.throws(() => installVirtualEnvironment(s, () => 0), { message: /one at a time/ });
    const seen: number[] = [];
    setTimeout(() => seen.push(s.now()), 1000);
    const h = setTimeout(() => seen.push(-1), 500);
    clearTimeout(h);
    const i = setInterval(() => {
      seen.push(s.now());
      if (seen.length >= 3) clearInterval(i);
    }, 300);
    t.is(Math.random(), 0.25);
    await s.run(() => false);
    t.deepEqual(seen, [300, 600, 900, 1000]);
  } finally {
    restore();
  }
  t.is(globalThis.setTimeout, realSetTimeout);
  t.is(Math.random, realRandom);
});

test('UDP link: the loss rate stays within bounds over many datagrams', async (t) => {
  const sim = new Sim({ seed: 'loss', detail: false });
  const b = sink(sim, '10.0.0.2');
  sim.udp('l', '10.0.0.1', '10.0.0.2', { loss: 0.1, delayMs: 5, jitterMs: 2 });
  await pump(sim, { address: '10.0.0.1', port: 1 }, b.addr, 20000, 1);
  const lost = 1 - b.got.length / 20000;
  t.true(lost > 0.09 && lost < 0.11, 'observed loss ' + lost);
  t.is(sim.trace.counters.dropped.loss, 20000 - b.got.length);
});

test('UDP link: delays within [delay, delay + jitter], duplicates and reordering at their rates', async (t) => {
  const sim = new Sim({ seed: 'delay', detail: false });
  const b = sink(sim, '10.0.0.2');
  sim.udp('l', '10.0.0.1', '10.0.0.2', { loss: 0, delayMs: 20, jitterMs: 10, duplicate: 0.05, reorder: 0.1, reorderMs: 50 });
  const sentAt = (i: number) => i * 2;
  await pump(sim, { address: '10.0.0.1', port: 1 }, b.addr, 5000, 2);
  const firsts = new Map<number, number>();
  for (const g of b.got) if (!firsts.has(numberOf(g.bytes))) firsts.set(numberOf(g.bytes), g.t - sentAt(numberOf(g.bytes)));
  t.is(firsts.size, 5000);
  for (const d of firsts.values()) t.true(d >= 20 && d <= 20 + 10 + 50);
  const dups = b.got.length - 5000;
  t.true(dups > 180 && dups < 330, 'duplicates ' + dups);
  let inversions = 0;
  for (let i = 1; i < b.got.length; i++) if (numberOf(b.got[i].bytes) < numberOf(b.got[i - 1].bytes)) inversions++;
  t.true(inversions > 300, 'reordered arrivals ' + inversions);
});

test('UDP link: a partition drops everything in its window and nothing outside it', async (t) => {
  const sim = new Sim({ seed: 'partition', detail: false });
  const b = sink(sim, '10.0.0.2');
  sim.udp('l', '10.0.0.1', '10.0.0.2', { loss: 0, delayMs: 5, jitterMs: 0, partitions: [{ from: 10000, to: 40000 }] });
  await pump(sim, { address: '10.0.0.1', port: 1 }, b.addr, 600, 100);
  const arrived = new Set(b.got.map((g) => numberOf(g.bytes)));
  for (let i = 0; i < 600; i++) {
    const sent = i * 100;
    const inWindow = sent + 5 >= 10000 && sent < 40000;
    t.is(arrived.has(i), !inWindow, 'datagram sent at ' + sent);
  }
  t.is(sim.trace.counters.dropped.partition, 300);
});

test('GATT framing: fragments of any message at any ATT_MTU reassemble to the message', (t) => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 1500 }), fc.integer({ min: 23, max: 517 }), fc.nat(200), (msg, mtu, counter) => {
    const parts = fragment(msg, counter, mtu);
    const r = new Reassembler();
    let out: Uint8Array | null = null;
    for (let i = 0; i < parts.length; i++) {
      t.true(parts[i].length <= mtu - 3);
      const m = r.push(parts[i]);
      if (i < parts.length - 1) t.is(m, null);
      else out = m;
    }
    return out !== null && Buffer.from(out).equals(Buffer.from(msg)) && parts.length === Math.max(1, Math.ceil(msg.length / fragmentPayload(mtu)));
  }), { numRuns: 200 });
});

test('GATT framing: a message cut short is dropped whole, the next one arrives intact', (t) => {
  const a = new Uint8Array(100).fill(1);
  const b = new Uint8Array(50).fill(2);
  const r = new Reassembler();
  const fa = fragment(a, 1, 23);
  r.push(fa[0]);
  r.push(fa[1]); // ... the connection dropped here
  const fb = fragment(b, 2, 23);
  let out: Uint8Array | null = null;
  for (const f of fb) out = r.push(f) ?? out;
  t.deepEqual(out, b);
  t.is(r.discarded, 2);
  t.is(r.push(fa[3]), null); // a stray middle fragment is not glued to anything
});

test('BLE link: messages cross in order through fragmentation at the pace of connection events', async (t) => {
  const sim = new Sim({ seed: 'ble', detail: false });
  const dev = sink(sim, '10.1.0.1');
  sim.ble('b', '10.2.0.1', '10.1.0.1', { attMtu: 23, connIntervalMs: 30, packetsPerEvent: 4, loss: 0.1 });
  await pump(sim, { address: '10.2.0.1', port: 1 }, dev.addr, 20, 50, 300);
  t.deepEqual(dev.got.map((g) => numberOf(g.bytes)), Array.from({ length: 20 }, (_, i) => i));
  for (const g of dev.got) {
    t.is(g.bytes.length, 300);
    t.is(Math.round(g.t) % 30, 0); // delivered at a connection event
  }
  t.true(sim.trace.counters.bleFragments >= 20 * Math.ceil(300 / 19));
});

test('BLE link: out of range past the supervision timeout drops the connection; it comes back after', async (t) => {
  const sim = new Sim({ seed: 'ble-drop', detail: false });
  const dev = sink(sim, '10.1.0.1');
  const link = sim.ble('b', '10.2.0.1', '10.1.0.1', { loss: 0, supervisionTimeoutMs: 4000, partitions: [{ from: 10000, to: 40000 }] }) as BleLink;
  const states: Array<[number, boolean]> = [];
  for (const at of [9000, 13000, 14100, 39000, 42000]) sim.scheduler.at(at, () => states.push([at, link.isConnected]), false);
  await pump(sim, { address: '10.2.0.1', port: 1 }, dev.addr, 500, 100, 40);
  t.deepEqual(states, [[9000, true], [13000, true], [14100, false], [39000, false], [42000, true]]);
  t.is(sim.trace.counters.bleDisconnects, 1);
  t.is(sim.trace.counters.bleReconnects, 1);
  const arrivedAt = dev.got.map((g) => g.t);
  t.false(arrivedAt.some((x) => x >= 10000 && x < 40000), 'nothing crosses while out of range');
  t.true(arrivedAt.some((x) => x >= 40000));
  t.true((sim.trace.counters.dropped.disconnected ?? 0) > 200);
});

test('BLE link: a short absence (under the supervision timeout) delays messages but keeps the connection', async (t) => {
  const sim = new Sim({ seed: 'ble-short', detail: false });
  const dev = sink(sim, '10.1.0.1');
  const link = sim.ble('b', '10.2.0.1', '10.1.0.1', { loss: 0, supervisionTimeoutMs: 4000, partitions: [{ from: 1000, to: 3000 }] }) as BleLink;
  await pump(sim, { address: '10.2.0.1', port: 1 }, dev.addr, 50, 100, 40);
  t.true(link.isConnected);
  t.is(dev.got.length, 50);
  t.is(sim.trace.counters.bleDisconnects, 0);
  t.false(dev.got.some((g) => g.t >= 1000 && g.t < 3000), 'nothing crosses while out of range');
  // the 20 that waited go at the first events back in range, four per event
  const waited = dev.got.filter((g) => numberOf(g.bytes) >= 10 && numberOf(g.bytes) < 30);
  t.is(waited.length, 20);
  t.true(waited.every((g) => g.t >= 3000 && g.t <= 3000 + 5 * 30));
});
