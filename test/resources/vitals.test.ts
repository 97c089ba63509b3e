/** /vitals and /vitals/history: SenML+CBOR representations, cadence, history ring, determinism. */
import test from 'ava';
import { Code } from '../../device/errors.ts';
import { CborMap, decode, encode } from '../../device/codec/cbor.ts';
import { ContentFormat, Method } from '../../device/coap/numbers.ts';
import { SenmlLabel } from '../../device/resources/senml.ts';
import { SyntheticVitals, Xorshift32 } from '../../device/resources/signal.ts';
import { VitalsSensor } from '../../device/resources/vitals.ts';
import { TestClock, contentFormat, etag, exchange, throwsKind } from './helpers.ts';

interface Resolved {
  name: string;
  unit: string | undefined;
  value: number;
  time: number;
}

/** RFC 8428 §4.6 resolution: base name, base time and base unit apply to the records after them. */
function resolve(payload: Uint8Array): Resolved[] {
  const pack = decode(payload);
  if (!Array.isArray(pack)) throw new Error('not a SenML pack');
  let bn = '';
  let bt = 0;
  let bu: string | undefined;
  return pack.map((r) => {
    const m = r as CborMap;
    for (const k of m.keys) if (![SenmlLabel.BaseName, SenmlLabel.BaseTime, SenmlLabel.BaseUnit, SenmlLabel.Name, SenmlLabel.Unit, SenmlLabel.Value, SenmlLabel.Time].includes(k as number)) throw new Error('unexpected label ' + k);
    if (m.has(SenmlLabel.BaseName)) bn = m.get(SenmlLabel.BaseName) as string;
    if (m.has(SenmlLabel.BaseTime)) bt = m.get(SenmlLabel.BaseTime) as number;
    if (m.has(SenmlLabel.BaseUnit)) bu = m.get(SenmlLabel.BaseUnit) as string;
    return {
      name: bn + ((m.get(SenmlLabel.Name) as string) ?? ''),
      unit: (m.get(SenmlLabel.Unit) as string) ?? bu,
      value: m.get(SenmlLabel.Value) as number,
      time: bt + ((m.get(SenmlLabel.Time) as number) ?? 0),
    };
  });
}

const T0 = 1_700_000_000;

function sensor(wall: number | null, opts: { historySize?: number; seed?: number } = {}) {
  const clock = new TestClock(wall, 0);
  const s = new VitalsSensor({ clock, source: new SyntheticVitals({ seed: opts.seed ?? 42 }), historySize: opts.historySize });
  let changed = 0;
  s.onChanged(() => changed++);
  return { clock, s, changes: () => changed };
}

test('the synthetic source is deterministic per seed, and never uses Math.random', (t) => {
  const random = Math.random;
  Math.random = () => {
    throw new Error('Math.random used');
  };
  try {
    const a = new SyntheticVitals({ seed: 7 });
    const b = new SyntheticVitals({ seed: 7 });
    const c = new SyntheticVitals({ seed: 8 });
    const ra = [0, 1000, 2000].map((ms) => a.read(ms));
    t.deepEqual(ra, [0, 1000, 2000].map((ms) => b.read(ms)));
    t.notDeepEqual(ra, [0, 1000, 2000].map((ms) => c.read(ms)));
    for (const r of ra) {
      t.true(Number.isInteger(r.heartRate) && r.heartRate >= 55 && r.heartRate <= 80, String(r.heartRate));
      t.true(Number.isInteger(r.spo2) && r.spo2 >= 90 && r.spo2 <= 100);
      t.is(r.ekg.length, 32);
      t.true(r.ekg.every((v) => Number.isInteger(v * 65536) && Math.abs(v) < 0.002 && !Object.is(v, -0)));
    }
  } finally {
    Math.random = random;
  }
});

test('xorshift32 gives floats in [0, 1) and a zero seed still moves', (t) => {
  const g = new Xorshift32(0);
  const xs = Array.from({ length: 1000 }, () => g.next());
  t.true(xs.every((x) => x >= 0 && x < 1));
  t.true(new Set(xs).size > 990);
});

test('tick takes a reading when one is due, and each calls changed', (t) => {
  const { s, clock, changes } = sensor(T0);
  t.true(s.tick());
  t.false(s.tick());
  clock.mono = 999;
  t.false(s.tick());
  clock.mono = 1000;
  t.true(s.tick());
  t.is(s.readings, 2);
  t.is(changes(), 2);
  clock.mono = 60_000; // after a pause: one reading, not a burst of 59
  t.true(s.tick());
  t.false(s.tick());
  t.is(s.readings, 3);
});

test('GET /vitals before any reading: an empty SenML pack', (t) => {
  const { s } = sensor(T0);
  const r = s.current.render(exchange(Method.GET))!;
  t.is(r.code, Code.Content);
  t.deepEqual(decode(r.payload), []);
});

test('GET /vitals: heart rate, SpO2 and an EKG window in SenML+CBOR (112), with the wall clock', (t) => {
  const { s } = sensor(T0);
  s.tick();
  const r = s.current.render(exchange(Method.GET))!;
  t.is(r.code, Code.Content);
  t.is(contentFormat(r), ContentFormat.SenmlCbor);
  t.true(r.payload.length < 512, 'fits one block, so Observe notifications carry it whole: ' + r.payload.length);
  const records = resolve(r.payload);
  t.is(records.length, 2 + 32);
  t.like(records[0], { name: 'sensor/hr', unit: 'beat/min', time: T0 });
  t.like(records[1], { name: 'sensor/spo2', unit: '%', time: T0 });
  const ekg = records.slice(2);
  t.true(ekg.every((x) => x.name === 'sensor/ekg' && x.unit === 'V'));
  t.deepEqual(ekg.map((x) => x.time), Array.from({ length: 32 }, (_, i) => T0 - (31 - i) / 256));
  const reading = new SyntheticVitals({ seed: 42 }).read(0);
  t.is(records[0].value, reading.heartRate);
  t.is(records[1].value, reading.spo2);
  t.deepEqual(ekg.map((x) => x.value), reading.ekg);
  t.deepEqual(encode(decode(r.payload)), r.payload, 'deterministic encoding');
});

test('without a clock there is no base time: times are relative to now', (t) => {
  const { s } = sensor(null);
  s.tick();
  const pack = decode(s.current.render(exchange(Method.GET))!.payload) as CborMap[];
  t.false(pack.some((m) => m.has(SenmlLabel.BaseTime)));
  const records = resolve(s.current.render(exchange(Method.GET))!.payload);
  t.is(records[0].time, 0);
  t.is(records[records.length - 1].time, 0);
  t.is(records[2].time, -31 / 256);
});

test('a representation depends on the readings only: the same until the next one, with a new ETag then', (t) => {
  const { s, clock } = sensor(T0);
  s.tick();
  const a = s.current.render(exchange(Method.GET))!;
  clock.mono = 500;
  clock.wall = T0 + 1;
  const b = s.current.render(exchange(Method.GET))!;
  t.deepEqual(a.payload, b.payload);
  t.deepEqual(etag(a), etag(b));
  clock.mono = 1000;
  s.tick();
  const c = s.current.render(exchange(Method.GET))!;
  t.notDeepEqual(etag(a), etag(c));
  t.notDeepEqual(a.payload, c.payload);
});

test('/vitals/history: several KB, oldest first, the newest `historySize` readings', (t) => {
  const { s, clock } = sensor(T0);
  for (let i = 0; i < 200; i++) {
    clock.mono = i * 1000;
    clock.wall = T0 + i;
    s.tick();
  }
  const r = s.history.render(exchange(Method.GET))!;
  t.is(r.code, Code.Content);
  t.is(contentFormat(r), ContentFormat.SenmlCbor);
  t.true(r.payload.length > 4096, 'needs Block2: ' + r.payload.length + ' bytes');
  const records = resolve(r.payload);
  t.is(records.length, 2 * 144);
  const hr = records.filter((x) => x.name === 'sensor/hr');
  const spo2 = records.filter((x) => x.name === 'sensor/spo2');
  t.is(hr.length, 144);
  t.deepEqual(hr.map((x) => x.time), Array.from({ length: 144 }, (_, i) => T0 + 56 + i));
  t.deepEqual(spo2.map((x) => x.time), hr.map((x) => x.time));
  t.true(hr.every((x) => x.unit === 'beat/min' && x.value >= 55 && x.value <= 80));
  t.true(spo2.every((x) => x.unit === '%' && x.value >= 90 && x.value <= 100));
  // the newest history entry is the current reading
  const current = resolve(s.current.render(exchange(Method.GET))!.payload);
  t.is(hr[143].value, current[0].value);
  t.is(hr[143].time, current[0].time);
});

test('history without a clock: times relative to the newest reading', (t) => {
  const { s, clock } = sensor(null, { historySize: 4 });
  for (let i = 0; i < 6; i++) {
    clock.mono = i * 2000;
    s.tick();
  }
  const hr = resolve(s.history.render(exchange(Method.GET))!.payload).filter((x) => x.name === 'sensor/hr');
  t.deepEqual(hr.map((x) => x.time), [-6, -4, -2, 0]);
});

test('both resources take GET only', (t) => {
  const { s } = sensor(T0);
  s.tick();
  t.true(s.current.observable);
  t.false(s.history.observable);
  t.regex(s.current.linkAttributes, /ct=112/);
  for (const m of [Method.POST, Method.PUT, Method.DELETE, Method.FETCH]) {
    throwsKind(t, () => s.current.render(exchange(m)), 'method_not_allowed');
    throwsKind(t, () => s.history.render(exchange(m)), 'method_not_allowed');
  }
});
