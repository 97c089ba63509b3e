/**
 * RFC 8949 Appendix A (Table 6), all 81 rows, on every codec. Expected values and preferred
 * encodings are computed from the diagnostic column (diag.ts), never from the codec under test.
 */
import test from 'ava';
import { loadVectors } from '../helpers/vectors.ts';
import { CborTag } from '../../device/codec/cbor.ts';
import { CODECS, holdsBigInts } from './codecs.ts';
import { diagIsFloat, parseDiag, refEncode } from './diag.ts';
import { bytes, hexOf, kindOf } from './helpers.ts';

interface Row {
  diagnostic: string;
  hex: string;
  contains_float: boolean;
  indefinite_length: boolean;
  float_width_bits?: number;
  roundtrip_per_cbor_test_vectors: boolean;
}

const rows: Row[] = loadVectors('rfc8949-cbor.json').examples;

test('the vector file has the 81 rows of Table 6', (t) => {
  t.is(rows.length, 81);
  t.is(rows.filter((r) => !r.contains_float).length, 58);
});

test('the reference encoder reproduces every preferred, definite row of Table 6 from its diagnostic', (t) => {
  // checks diag.ts itself against the RFC before it judges the codecs
  for (const r of rows) {
    const preferred = r.roundtrip_per_cbor_test_vectors && !r.indefinite_length;
    const value = parseDiag(r.diagnostic);
    const integralFloat = diagIsFloat(r.diagnostic) && Number.isSafeInteger(value);
    if (preferred && !integralFloat) t.is(hexOf(refEncode(value)), r.hex, r.diagnostic);
  }
});

for (const codec of CODECS) {
  const big = holdsBigInts(codec);

  test(`${codec.name}: every non-float row decodes to its diagnostic value and re-encodes to the preferred form`, (t) => {
    for (const r of rows.filter((x) => !x.contains_float)) {
      const expected = parseDiag(r.diagnostic);
      if (typeof expected === 'bigint' && !big) continue; // below
      const value = codec.decode(bytes(r.hex));
      t.deepEqual(value, expected, r.diagnostic);
      const again = hexOf(codec.encode(value));
      t.is(again, hexOf(refEncode(expected)), r.diagnostic);
      // preferred rows come back byte for byte; indefinite ones as their definite preferred form
      if (r.roundtrip_per_cbor_test_vectors) t.is(again, r.hex, r.diagnostic);
      else t.not(again, r.hex, r.diagnostic);
    }
  });

  test(`${codec.name}: integers beyond 2^53 ${big ? 'decode to bigint and round trip' : 'are refused, never rounded'}`, (t) => {
    for (const h of ['1bffffffffffffffff', '3bffffffffffffffff', '1b0020000000000000', '3b001fffffffffffff']) {
      if (big) {
        const v = codec.decode(bytes(h));
        t.is(typeof v, 'bigint', h);
        t.is(hexOf(codec.encode(v)), h);
      } else t.is(kindOf(t, () => codec.decode(bytes(h)), h), 'unsupported_cbor', h);
    }
    if (big) {
      t.is(codec.decode(bytes('1bffffffffffffffff')), 18446744073709551615n);
      t.is(codec.decode(bytes('3bffffffffffffffff')), -18446744073709551616n);
    }
    // the largest safe integers are numbers on both
    t.is(codec.decode(bytes('1b001fffffffffffff')), 9007199254740991);
    t.is(codec.decode(bytes('3b001ffffffffffffe')), -9007199254740991);
  });

  test(`${codec.name}: bignum rows (tags 2 and 3) round trip as CborTag`, (t) => {
    for (const h of ['c249010000000000000000', 'c349010000000000000000']) {
      const v = codec.decode(bytes(h));
      t.true(v instanceof CborTag);
      t.is((v as CborTag).tag, h.startsWith('c2') ? 2 : 3);
      t.true((v as CborTag).value instanceof Uint8Array);
      t.is(hexOf(codec.encode(v)), h);
    }
  });

  test(`${codec.name}: float rows decode to their number and re-encode to the shortest width that keeps it`, (t) => {
    for (const r of rows.filter((x) => x.contains_float)) {
      const expected = parseDiag(r.diagnostic);
      const value = codec.decode(bytes(r.hex));
      t.deepEqual(value, expected, r.diagnostic); // Object.is semantics: NaN equals NaN, -0 is not 0
      const again = hexOf(codec.encode(value));
      t.is(again, hexOf(refEncode(expected)), r.diagnostic);
      const integral = typeof expected === 'number' && Number.isSafeInteger(expected) && !Object.is(expected, -0);
      // a float that holds a safe integer (0.0, 1.0, 65504.0, 100000.0, -4.0) is the integer in this value
      // model; every other row is already in its preferred width, except the wide NaN/Infinity rows
      if (!integral && r.roundtrip_per_cbor_test_vectors) t.is(again, r.hex, r.diagnostic);
      if (!r.roundtrip_per_cbor_test_vectors) t.is(again.length, 6, `${r.diagnostic} becomes half precision`);
    }
  });
}
