/** The byte helpers of the portable core: UTF-8 (strict), hex, comparisons. */
import test from 'ava';
import fc from 'fast-check';
import { bytesEqual, concatBytes, constantTimeEqual, fromHex, toHex, utf8Decode, utf8Encode } from '../../device/codec/bytes.ts';
import { bytes, hexOf, kindOf } from './helpers.ts';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

test('utf8Encode gives the UTF-8 of well-formed strings, non-BMP included', (t) => {
  for (const s of ['', 'a', '\u00fc', '\u6c34', '\ud800\udd51', '\u{10ffff}', '\u0000', 'IETF', '\uffff', '\ue000', 'a\u{1F600}b']) {
    t.is(hexOf(utf8Encode(s)), Buffer.from(s, 'utf8').toString('hex'), JSON.stringify(s));
  }
  t.is(hexOf(utf8Encode('\ud800\udd51')), 'f0908591'); // RFC 8949 Appendix A
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      t.is(hexOf(utf8Encode(s)), Buffer.from(s, 'utf8').toString('hex'));
    }),
  );
});

test('utf8Encode refuses lone surrogates instead of writing CESU bytes or U+FFFD', (t) => {
  for (const s of ['\ud800', '\udfff', 'a\ud800', '\ud800a', '\udc00\ud800', '\ud83d\ud83d']) {
    t.is(kindOf(t, () => utf8Encode(s), JSON.stringify(s)), 'unsupported_cbor');
  }
});

test('utf8Decode reads valid UTF-8, every code point width', (t) => {
  for (const s of ['', 'a', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff', '\u{10000}', '\u{10ffff}', '\u6c34\u00fc']) {
    t.is(utf8Decode(Buffer.from(s, 'utf8')), s);
  }
});

test('utf8Decode refuses invalid sequences, surrogates, overlong forms and truncation', (t) => {
  const bad = [
    '80', // lone continuation
    'bf',
    'c0af', // overlong
    'c180', // overlong
    'e080af', // overlong
    'f08080af', // overlong
    'eda080', // U+D800
    'edbfbf', // U+DFFF
    'f4908080', // beyond U+10FFFF
    'f5808080',
    'fe',
    'ff',
    'c3', // truncated
    'e282',
    'f09f98',
    'c328', // bad continuation
    'e228a1',
    'f0288cbc',
    '61c3', // valid then truncated
  ];
  for (const h of bad) t.is(kindOf(t, () => utf8Decode(bytes(h)), h), 'malformed_cbor', h);
});

test('utf8Decode agrees with a strict WHATWG decoder on arbitrary bytes', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.string({ unit: 'binary' }).map((s) => Uint8Array.from(Buffer.from(s, 'utf8')))), (b) => {
      let want: string | undefined;
      try {
        want = strict.decode(b);
      } catch {
        want = undefined;
      }
      if (want === undefined) t.is(kindOf(t, () => utf8Decode(b), hexOf(b)), 'malformed_cbor');
      else t.is(utf8Decode(b), want);
    }),
    { numRuns: 2000 },
  );
});

test('hex round trips and refuses odd or non-hex input', (t) => {
  t.is(toHex(Uint8Array.from([0, 1, 0xab, 0xff])), '0001abff');
  t.deepEqual(fromHex('0001ABff'), Uint8Array.from([0, 1, 0xab, 0xff]));
  t.deepEqual(fromHex(''), new Uint8Array(0));
  for (const h of ['0', 'abc', 'zz', '0g', ' 01']) t.is(kindOf(t, () => fromHex(h), h), 'bad_request', h);
  fc.assert(fc.property(fc.uint8Array(), (b) => t.deepEqual(fromHex(toHex(b)), b)));
});

test('concatBytes, bytesEqual and constantTimeEqual', (t) => {
  t.deepEqual(concatBytes([Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)]), Uint8Array.of(1, 2, 3));
  t.deepEqual(concatBytes([]), new Uint8Array(0));
  for (const eq of [bytesEqual, constantTimeEqual]) {
    t.true(eq(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
    t.false(eq(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
    t.false(eq(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)));
    t.true(eq(new Uint8Array(0), new Uint8Array(0)));
  }
});
