/**
 * Strict decoding on every codec: only well-formed, valid input, and every refusal a CoreError
 * (never another exception, a hang or a huge allocation).
 */
import test from 'ava';
import { CborMap, CborTag, encode } from '../../device/codec/cbor.ts';
import type { CborValue } from '../../device/codec/cbor.ts';
import { CODECS, holdsBigInts } from './codecs.ts';
import { bytes, canonical, hexOf, kindOf } from './helpers.ts';

/**
 * RFC 8949 Appendix F.1, all 94 examples of not-well-formed items. The two strings whose length
 * does not fit 2^53 are refused as unsupported_cbor (the head is read before the data runs out).
 */
const APPENDIX_F: { [group: string]: string[] } = {
  'end of input in a head': [
    '18', '19', '1a', '1b', '1901', '1a0102', '1b01020304050607', '38', '58', '78', '98', '9a01ff00', 'b8',
    'd8', 'f8', 'f900', 'fa0000', 'fb000000',
  ],
  'definite-length strings with short data': [
    '41', '61', '5affffffff00', '5bffffffffffffffff010203', '7affffffff00', '7b7fffffffffffffff010203',
  ],
  'definite-length maps and arrays not closed with enough items': [
    '81', '818181818181818181', '8200', 'a1', 'a20102', 'a100', 'a2000000',
  ],
  'tag number not followed by tag content': ['c0'],
  'indefinite-length strings not closed by a break': ['5f4100', '7f6100'],
  'indefinite-length maps and arrays not closed by a break': [
    '9f', '9f0102', 'bf', 'bf01020102', '819f', '9f8000', '9f9f9f9f9fffffffff', '9f819f819f9fffffff',
  ],
  'reserved additional information values': [
    '1c', '1d', '1e', '3c', '3d', '3e', '5c', '5d', '5e', '7c', '7d', '7e', '9c', '9d', '9e', 'bc', 'bd',
    'be', 'dc', 'dd', 'de', 'fc', 'fd', 'fe',
  ],
  'reserved two-byte encodings of simple values': ['f800', 'f801', 'f818', 'f81f'],
  'indefinite-length string chunks not of the correct type': [
    '5f00ff', '5f21ff', '5f6100ff', '5f80ff', '5fa0ff', '5fc000ff', '5fe0ff', '7f4100ff',
  ],
  'indefinite-length string chunks not definite length': ['5f5f4100ffff', '7f7f6100ffff'],
  'break on its own': ['ff'],
  'break in a definite-length array or map or a tag': [
    '81ff', '8200ff', 'a1ff', 'a1ff00', 'a100ff', 'a20000ff', '9f81ff', '9f829f819f9fffffffff',
  ],
  'break in a value position of an indefinite-length map': ['bf00ff', 'bf000000ff'],
  'major type 0, 1, 6 with additional information 31': ['1f', '3f', 'df'],
};
const TOO_LONG_FOR_2_53 = ['5bffffffffffffffff010203', '7b7fffffffffffffff010203'];

/** A CWT-like item with every major type, for truncation and trailing-byte checks. */
const SAMPLE: CborValue = new CborTag(
  61,
  new CborMap()
    .set(1, 'coaps://as.example.com')
    .set(-7, [1, -300, 70000, 1.5, true, null])
    .set('k', Uint8Array.from([1, 2, 3, 4, 5]))
    .set(4, new CborTag(1, 1444064944)),
);

for (const codec of CODECS) {
  test(`${codec.name}: all 94 not-well-formed examples of RFC 8949 Appendix F.1 are refused`, (t) => {
    let n = 0;
    for (const group of Object.keys(APPENDIX_F)) {
      for (const h of APPENDIX_F[group]) {
        n++;
        const want = TOO_LONG_FOR_2_53.includes(h) ? 'unsupported_cbor' : 'malformed_cbor';
        t.is(kindOf(t, () => codec.decode(bytes(h)), `${group}: ${h}`), want, `${group}: ${h}`);
      }
    }
    t.is(n, 94);
  });

  test(`${codec.name}: trailing bytes after the item are refused`, (t) => {
    const good = encode(SAMPLE);
    for (const extra of ['00', 'ff', 'f6', '80', good.length > 0 ? hexOf(good) : '']) {
      t.is(kindOf(t, () => codec.decode(bytes(hexOf(good) + extra)), extra), 'malformed_cbor');
    }
    t.is(kindOf(t, () => codec.decode(new Uint8Array(0)), 'empty'), 'malformed_cbor');
  });

  test(`${codec.name}: truncation at every position is refused`, (t) => {
    const good = encode(SAMPLE);
    t.deepEqual(canonical(codec.decode(good)), canonical(SAMPLE));
    for (let cut = 0; cut < good.length; cut++) {
      t.is(kindOf(t, () => codec.decode(good.subarray(0, cut)), `cut at ${cut}`), 'malformed_cbor', `cut at ${cut}`);
    }
  });

  test(`${codec.name}: duplicate map keys are refused, however they are spelled`, (t) => {
    for (const h of [
      'a201010102', // {1: 1, 1: 2}
      'a2010118010002', // 1 and 1 as 0x1801
    ]) {
      t.is(kindOf(t, () => codec.decode(bytes(h)), h), 'malformed_cbor', h);
    }
    t.is(kindOf(t, () => codec.decode(bytes('a2616101616102')), 'text'), 'malformed_cbor');
    t.is(kindOf(t, () => codec.decode(bytes('bf61610161610203ff')), 'indefinite'), 'malformed_cbor');
    t.is(kindOf(t, () => codec.decode(bytes('a2617f6161ff01616102')), 'chunked key'), 'malformed_cbor');
    t.is(kindOf(t, () => codec.decode(bytes('a2390100003901000102')), '-257 twice'), 'malformed_cbor');
    t.is(kindOf(t, () => codec.decode(bytes('a2201b000000000000000001')), 'truncated'), 'malformed_cbor');
    // 1 and "1" are different keys
    t.deepEqual(codec.decode(bytes('a20100613102')), new CborMap().set(1, 0).set('1', 2));
  });

  test(`${codec.name}: map keys other than integers and text are refused`, (t) => {
    for (const h of ['a1f93c0000', 'a1f40000', 'a1400000', 'a1800000', 'a1a00000', 'a1c10000', 'a1f600', 'a1e000']) {
      t.is(kindOf(t, () => codec.decode(bytes(h)), h), 'unsupported_cbor', h);
    }
    const big = 'a11b002000000000000000';
    t.is(kindOf(t, () => codec.decode(bytes(big)), 'key 2^53'), 'unsupported_cbor');
  });

  test(`${codec.name}: nesting deeper than 32 levels is refused, up to 32 is fine`, (t) => {
    for (const open of ['81', '9f', 'a101', 'c1', 'd818']) {
      const close = open === '9f' ? 'ff' : '';
      const ok = open.repeat(32) + '00' + close.repeat(32);
      t.notThrows(() => codec.decode(bytes(ok)), open);
      const deep = open.repeat(33) + '00' + close.repeat(33);
      t.is(kindOf(t, () => codec.decode(bytes(deep)), open), 'unsupported_cbor', open);
    }
    // a long run of array heads does not overflow the stack either
    t.is(kindOf(t, () => codec.decode(new Uint8Array(100000).fill(0x81)), 'deep'), 'unsupported_cbor');
    t.is(kindOf(t, () => codec.decode(new Uint8Array(100000).fill(0x9f)), 'deep'), 'unsupported_cbor');
  });

  test(`${codec.name}: lengths beyond the input are refused without allocating them`, (t) => {
    const heads = ['9affffffff', 'baffffffff', '5affffffff', '7affffffff', '9b001fffffffffffff', 'bb001fffffffffffff', '5b001fffffffffffff'];
    for (const h of heads) t.is(kindOf(t, () => codec.decode(bytes(h + '00')), h), 'malformed_cbor', h);
    // nested counts each within the input still cannot add up to more than the input
    const nested = bytes('98ff'.repeat(20) + '00');
    t.is(kindOf(t, () => codec.decode(nested), 'nested'), 'malformed_cbor');
    for (const h of ['9bffffffffffffffff00', 'bbffffffffffffffff00', 'dbffffffffffffffff00']) {
      t.is(kindOf(t, () => codec.decode(bytes(h)), h), 'unsupported_cbor', h);
    }
  });

  test(`${codec.name}: text strings must be valid UTF-8`, (t) => {
    for (const h of [
      '61ff', // never in UTF-8
      '6180', // lone continuation
      '62c0af', // overlong '/'
      '63e08080', // overlong NUL
      '63eda080', // surrogate D800
      '63edbfbf', // surrogate DFFF
      '64f4908080', // beyond U+10FFFF
      '62e282', // truncated sequence
      '61c3', // truncated at the end
      '7f61c361bcff', // a code point split across chunks
    ]) {
      t.is(kindOf(t, () => codec.decode(bytes(h)), h), 'malformed_cbor', h);
    }
    t.is(codec.decode(bytes('7f62c3bc62c3bfff')), '\u00fc\u00ff');
  });

  test(`${codec.name}: decoded byte strings are plain copies, never views of the input`, (t) => {
    const input = Buffer.from('824301020343040506', 'hex');
    const v = codec.decode(input) as Uint8Array[];
    t.is(v[0].constructor, Uint8Array);
    input[1] = 0xaa;
    t.deepEqual(v[0], Uint8Array.from([1, 2, 3]));
    t.is(v[1].buffer.byteLength, 3);
  });

  test(`${codec.name}: non-bytes input is refused`, (t) => {
    for (const bad of [null, undefined, 'a0', [0xa0], new Uint16Array(1)]) {
      t.is(kindOf(t, () => codec.decode(bad as unknown as Uint8Array), String(bad)), 'malformed_cbor');
    }
  });

  test(`${codec.name}: -2^53 is ${holdsBigInts(codec) ? 'a bigint' : 'refused'} (its argument is safe, the number is not)`, (t) => {
    if (holdsBigInts(codec)) t.is(codec.decode(bytes('3b001fffffffffffff')), -9007199254740992n);
    else t.is(kindOf(t, () => codec.decode(bytes('3b001fffffffffffff')), '-2^53'), 'unsupported_cbor');
  });
}
