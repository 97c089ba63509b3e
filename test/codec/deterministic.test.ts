/** Deterministic encoding (RFC 8949 §4.2.1) on every codec, checked against the reference encoder. */
import test from 'ava';
import { CborMap, CborSimple, CborTag, cborMap } from '../../device/codec/cbor.ts';
import type { CborValue } from '../../device/codec/cbor.ts';
import { CODECS, holdsBigInts } from './codecs.ts';
import { refEncode } from './diag.ts';
import { hexOf, kindOf } from './helpers.ts';

/** Integers at every head-width boundary, both signs. */
const INTS = [0, 1, 23, 24, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991];
const LENGTHS = [0, 23, 24, 255, 256, 65535, 65536];

for (const codec of CODECS) {
  const enc = (v: CborValue): string => hexOf(codec.encode(v));

  test(`${codec.name}: map keys in bytewise order of their encodings (10 < 100 < -1 < "z" < "aa")`, (t) => {
    const m = cborMap([['aa', 5], ['z', 4], [-1, 3], [100, 2], [10, 1]]);
    t.is(enc(m), 'a5' + '0a01' + '186402' + '2003' + '617a04' + '62616105');
    // RFC 8949 §4.2.1 sorts by the encoded bytes, not by length first (§4.2.3) nor by value
    const mixed = cborMap([[-24, 0], [23, 0], [-25, 0], [24, 0], ['', 0], [-256, 0], [256, 0], ['a', 0], [-257, 0]]);
    t.is(enc(mixed), hexOf(refEncode(mixed)));
    t.is(enc(mixed), 'a9' + '1700' + '181800' + '19010000' + '3700' + '381800' + '38ff00' + '39010000' + '6000' + '616100');
    // insertion order does not matter
    const reversed = cborMap([[-257, 0], ['a', 0], [256, 0], [-256, 0], ['', 0], [24, 0], [-25, 0], [23, 0], [-24, 0]]);
    t.is(enc(reversed), enc(mixed));
    // maps nested in maps, each sorted on its own
    const late = cborMap([[1, cborMap([[2, 0], [1, cborMap([[0, 0]])]])], [2, cborMap([[0, 0], [1, 0]])], [0, 7]]);
    t.is(enc(late), 'a3' + '0007' + '01a2' + '01a10000' + '0200' + '02a2' + '0000' + '0100');
    // non-BMP and BMP text keys order by their UTF-8 bytes (U+FFFD < U+1F600), not by UTF-16 units
    const text = cborMap([['\u{1F600}', 1], ['\uFFFD', 2], ['\u00e9', 3], ['b', 4]]);
    t.is(enc(text), hexOf(refEncode(text)));
    t.is(enc(text), 'a4' + '616204' + '62c3a903' + '63efbfbd02' + '64f09f988001');
  });

  test(`${codec.name}: shortest heads at every width boundary`, (t) => {
    for (const n of INTS) {
      t.is(enc(n), hexOf(refEncode(n)), `${n}`);
      t.is(enc(-1 - n), hexOf(refEncode(-1 - n)), `${-1 - n}`);
    }
    t.is(enc(23), '17');
    t.is(enc(24), '1818');
    t.is(enc(-24), '37');
    t.is(enc(-25), '3818');
    t.is(enc(4294967296), '1b0000000100000000');
    t.is(enc(-4294967297), '3b0000000100000000');
    for (const n of LENGTHS) {
      for (const v of [new Uint8Array(n), 'x'.repeat(n), new Array<CborValue>(n).fill(0)]) {
        t.is(enc(v), hexOf(refEncode(v)), `length ${n}`);
      }
    }
    t.is(enc(new CborTag(24, 0)), 'd81800');
    t.is(enc(new CborTag(65536, 0)), 'da0001000000');
    t.is(enc(new CborTag(4294967296, 0)), 'db000000010000000000');
  });

  test(`${codec.name}: floats in the shortest width that keeps the value`, (t) => {
    const cases: Array<[number, string]> = [
      [1.5, 'f93e00'],
      [-0, 'f98000'],
      [NaN, 'f97e00'],
      [Infinity, 'f97c00'],
      [-Infinity, 'f9fc00'],
      [5.960464477539063e-8, 'f90001'], // smallest half subnormal
      [6.097555160522461e-5, 'f903ff'], // largest half subnormal
      [6.103515625e-5, 'f90400'], // smallest half normal
      [65504.5, 'fa477fe080'],
      [100000.5, 'fa47c35040'],
      [1000000.5, 'fa49742408'], // RFC 8949 §4.2.1's example
      [2.9802322387695312e-8, 'fa33000000'], // 2^-25: below half range, exact in single
      [1.1, 'fb3ff199999999999a'],
      [1e300, 'fb7e37e43c8800759c'],
      [3.4028234663852886e38, 'fa7f7fffff'],
      [2 ** 60, 'fa5d800000'], // beyond 2^53: a float, never a rounded integer
      [-(2 ** 53), 'fada000000'],
      [5e-324, 'fb0000000000000001'],
    ];
    for (const [v, h] of cases) {
      t.is(enc(v), h, `${v}`);
      t.is(enc(v), hexOf(refEncode(v)), `${v} (reference)`);
      t.deepEqual(codec.decode(codec.encode(v)), v, `${v} decodes back`);
    }
    // integral floats are integers in this value model
    t.is(enc(1.0), '01');
    t.is(enc(-4.0), '23');
  });

  test(`${codec.name}: simple values and the four special ones`, (t) => {
    t.is(enc(false), 'f4');
    t.is(enc(true), 'f5');
    t.is(enc(null), 'f6');
    t.is(enc(undefined), 'f7');
    t.is(enc(new CborSimple(0)), 'e0');
    t.is(enc(new CborSimple(19)), 'f3');
    t.is(enc(new CborSimple(32)), 'f820');
    t.is(enc(new CborSimple(255)), 'f8ff');
    for (const bad of [20, 23, 24, 31, 256, -1, 1.5]) {
      t.is(kindOf(t, () => codec.encode(new CborSimple(bad)), `simple(${bad})`), 'unsupported_cbor');
    }
  });

  test(`${codec.name}: values without a deterministic CBOR form are refused`, (t) => {
    const bad: Array<[string, unknown]> = [
      ['lone high surrogate', '\ud800'],
      ['lone low surrogate', 'a\udc00b'],
      ['reversed pair', '\udc00\ud800'],
      ['float key', cborMap([[1.5, 0]])],
      ['NaN key', cborMap([[NaN, 0]])],
      ['key beyond 2^53', cborMap([[2 ** 60, 0]])],
      ['bytes key', (() => { const m = new CborMap(); (m.keys as unknown[]).push(new Uint8Array(1)); m.values.push(0); return m; })()],
      ['duplicate key', (() => { const m = cborMap([[1, 0]]); m.keys.push(1); m.values.push(1); return m; })()],
      ['negative tag', new CborTag(-1, 0)],
      ['fractional tag', new CborTag(1.5, 0)],
      ['tag beyond 2^53', new CborTag(2 ** 60, 0)],
      ['function', () => 0],
      ['plain object', { a: 1 }],
      ['JS Map', new Map([[1, 2]])],
      ['Uint16Array', new Uint16Array(2)],
      ['symbol', Symbol('x')],
      ['nested too deep', JSON.parse('['.repeat(40) + ']'.repeat(40))],
    ];
    if (!holdsBigInts(codec)) bad.push(['bigint', 2n ** 60n]);
    else bad.push(['bigint beyond 64 bits', 2n ** 64n], ['bigint below -2^64', -(2n ** 64n) - 1n]);
    for (const [what, v] of bad) t.is(kindOf(t, () => codec.encode(v as CborValue), what), 'unsupported_cbor', what);
    // -0 as a key is the key 0
    t.is(enc(cborMap([[-0, 1]])), 'a10001');
  });

  test(`${codec.name}: encodings are fresh plain Uint8Arrays`, (t) => {
    const a = codec.encode([1, 2, 3]);
    const b = codec.encode('other');
    t.is(a.constructor, Uint8Array);
    t.is(hexOf(a), '83010203');
    t.is(a.byteOffset, 0);
    t.is(a.buffer.byteLength, a.length);
    t.is(hexOf(b), '656f74686572');
  });

  if (holdsBigInts(codec)) {
    test(`${codec.name}: bigints in the safe range encode as the integers they are`, (t) => {
      t.is(enc(5n), '05');
      t.is(enc(-(2n ** 53n) + 1n), '3b001ffffffffffffe');
      t.is(enc(2n ** 64n - 1n), '1bffffffffffffffff');
      t.is(enc(-(2n ** 64n)), '3bffffffffffffffff');
      t.is(enc(cborMap([[1, 2n ** 60n]])), 'a1011b1000000000000000');
    });
  }
}
