/**
 * Properties on every codec (fast-check): decode∘encode is the identity on the value model, the
 * codecs agree byte for byte, and decoding arbitrary or mutated bytes only ever ends in a value or
 * a CoreError.
 */
import test from 'ava';
import fc from 'fast-check';
import { CborMap, CborSimple, CborTag, MAX_SAFE, portableCbor } from '../../device/codec/cbor.ts';
import type { CborKey, CborValue } from '../../device/codec/cbor.ts';
import { cborX } from '../../device/hosts/node/cbor-x.ts';
import { CODECS, holdsBigInts } from './codecs.ts';
import { refEncode } from './diag.ts';
import { canonical, hexOf, outcome } from './helpers.ts';

const RUNS = 400;

const safeInt = fc.integer({ min: -MAX_SAFE, max: MAX_SAFE });
const smallInt = fc.integer({ min: -70000, max: 70000 });
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
const key: fc.Arbitrary<CborKey> = fc.oneof(smallInt, safeInt, text);
const simple = fc.oneof(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 32, max: 255 })).map((n) => new CborSimple(n));
const tagNumber = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: MAX_SAFE }));

function values(withFloats: boolean): fc.Arbitrary<CborValue> {
  const leaf: fc.Arbitrary<CborValue> = fc.oneof(
    safeInt,
    smallInt,
    text,
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom<CborValue>(true, false, null, undefined),
    ...(withFloats ? [fc.double(), fc.float().map((f) => f as CborValue), simple] : []),
  );
  return fc.letrec<{ value: CborValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 6 }),
      fc
        .uniqueArray(fc.tuple(key, tie('value')), { maxLength: 6, selector: (e) => (typeof e[0] === 'number' ? e[0] + 0 : 's' + e[0]) })
        .map((entries) => {
          const m = new CborMap();
          for (const e of entries) m.set(typeof e[0] === 'number' ? e[0] + 0 : e[0], e[1]);
          return m as CborValue;
        }),
      fc.tuple(tagNumber, tie('value')).map(([n, v]) => new CborTag(n, v) as CborValue),
    ),
  })).value;
}

const anyValue = values(true);

for (const codec of CODECS) {
  test(`${codec.name}: decode(encode(v)) is v, and encode is the reference deterministic encoding`, (t) => {
    fc.assert(
      fc.property(anyValue, (v) => {
        const bytes = codec.encode(v);
        t.deepEqual(canonical(codec.decode(bytes)), canonical(v));
        t.is(hexOf(bytes), hexOf(refEncode(v)));
      }),
      { numRuns: RUNS },
    );
  });

  test(`${codec.name}: decoding random bytes ends in a value or a CoreError`, (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const kind = outcome(() => codec.decode(b)); // rethrows anything but a CoreError
        if (kind === undefined) {
          // whatever decodes re-encodes and decodes to the same value
          const v = codec.decode(b);
          t.deepEqual(canonical(codec.decode(codec.encode(v))), canonical(v));
        }
      }),
      { numRuns: RUNS * 5 },
    );
    t.pass();
  });

  test(`${codec.name}: decoding mutated encodings ends in a value or a CoreError`, (t) => {
    const mutated = fc
      .tuple(anyValue, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 4 }))
      .map(([v, edits]) => {
        const b = Array.from(portableCbor.encode(v));
        for (const [at, byte, op] of edits) {
          const i = b.length === 0 ? 0 : at % b.length;
          if (op === 'set') b[i] = byte;
          else if (op === 'insert') b.splice(i, 0, byte);
          else b.splice(i, 1);
        }
        return Uint8Array.from(b);
      });
    fc.assert(
      fc.property(mutated, (b) => {
        outcome(() => codec.decode(b));
      }),
      { numRuns: RUNS * 2 },
    );
    t.pass();
  });
}

test('both codecs give byte-identical encodings', (t) => {
  fc.assert(
    fc.property(anyValue, (v) => {
      t.is(hexOf(cborX.encode(v)), hexOf(portableCbor.encode(v)));
    }),
    { numRuns: RUNS * 2 },
  );
});

test('both codecs agree on any input: the same value, or both refuse', (t) => {
  const inputs = fc.oneof(
    fc.uint8Array({ maxLength: 48 }),
    anyValue.chain((v) => {
      const b = portableCbor.encode(v);
      return fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, x]) => {
        const c = Uint8Array.from(b);
        if (c.length > 0) c[at % c.length] = x;
        return c;
      });
    }),
  );
  fc.assert(
    fc.property(inputs, (b) => {
      const p = outcome(() => portableCbor.decode(b));
      const x = outcome(() => cborX.decode(b));
      if (p === undefined && x === undefined) t.deepEqual(cborX.decode(b), portableCbor.decode(b));
      else if (p === 'unsupported_cbor' && x !== p && holdsBigInts(cborX)) {
        // only integers beyond 2^53 separate them: the portable codec stops there, cbor-x holds
        // them as bigints and reads on (to a value, or to a later refusal)
        t.true(x !== undefined || JSON.stringify(cborX.decode(b), (_k, v) => (typeof v === 'bigint' ? 'BIG' : v)).includes('BIG'));
      } else t.is(x, p, hexOf(b));
    }),
    { numRuns: RUNS * 5 },
  );
});
