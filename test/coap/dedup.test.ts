import test from 'ava';
import fc from 'fast-check';
import { DedupTable } from '../../device/coap/dedup.ts';
import { throwsCore } from './helpers.ts';

test('the dedup table behaves like "the last `capacity` live entries" (model check)', (t) => {
  const op = fc.record({
    peer: fc.constantFrom('a', 'b', 'c'),
    mid: fc.integer({ min: 0, max: 40 }), // many collisions, in buckets and in IDs
    advance: fc.integer({ min: 0, max: 30 }),
  });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
      const table = new DedupTable(capacity);
      let model: { peer: string; mid: number; expires: number }[] = [];
      let now = 0;
      for (const o of ops) {
        now += o.advance;
        table.expire(now);
        model = model.filter((e) => e.expires > now);
        const inModel = model.some((e) => e.peer === o.peer && e.mid === o.mid);
        const found = table.find(o.peer, o.mid);
        if ((found !== null) !== inModel) return false;
        if (!inModel) {
          table.add(o.peer, o.mid, now + 100);
          model.push({ peer: o.peer, mid: o.mid, expires: now + 100 });
          if (model.length > capacity) model.shift();
        }
        if (table.size !== model.length) return false;
      }
      return true;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('capacity is checked', (t) => {
  t.is(throwsCore(t, () => new DedupTable(0)).kind, 'internal');
  t.is(throwsCore(t, () => new DedupTable(1.5)).kind, 'internal');
  t.is(throwsCore(t, () => new DedupTable(70000)).kind, 'internal');
});
