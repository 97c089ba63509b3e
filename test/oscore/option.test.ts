/** The OSCORE option value (RFC 8613 §6.1): vectors, round trips, strict decoding, fuzzing. */
import test from 'ava';
import fc from 'fast-check';
import { toHex } from '../../device/codec/bytes.ts';
import { isCoreError } from '../../device/errors.ts';
import { decodeOscoreOption, encodeOscoreOption } from '../../device/oscore/option.ts';
import { decodePiv, encodePiv } from '../../device/oscore/nonce.ts';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { kindOf } from './kind.ts';

const V = loadVectors('rfc8613-oscore.json');
const opt = (s: string | null): Uint8Array | null => (s === null ? null : hex(s));
const show = (b: Uint8Array | null): string | null => (b === null ? null : toHex(b));

for (const m of V.message_protection) {
  test(`${m.id} OSCORE option value encodes and decodes`, (t) => {
    t.is(toHex(encodeOscoreOption(opt(m.partial_iv), opt(m.kid_context), opt(m.kid))), m.oscore_option_value);
    const d = decodeOscoreOption(hex(m.oscore_option_value));
    t.is(show(d.piv), m.partial_iv);
    t.is(show(d.kidContext), m.kid_context);
    t.is(show(d.kid), m.kid);
  });
}

test('§6.3 examples', (t) => {
  t.is(toHex(encodeOscoreOption(hex('05'), null, hex('25'))), '090525');
  t.is(toHex(encodeOscoreOption(hex('00'), null, new Uint8Array(0))), '0900');
  t.is(toHex(encodeOscoreOption(null, null, null)), '');
  t.is(toHex(encodeOscoreOption(hex('07'), null, null)), '0107');
});

test('Partial IV encoding: minimal big-endian, 0 is h\'00\'', (t) => {
  t.is(toHex(encodePiv(0)), '00');
  t.is(toHex(encodePiv(20)), '14');
  t.is(toHex(encodePiv(256)), '0100');
  t.is(toHex(encodePiv(2 ** 32)), '0100000000');
  t.is(toHex(encodePiv(2 ** 40 - 1)), 'ffffffffff');
  t.is(decodePiv(hex('ffffffffff')), 2 ** 40 - 1);
  t.is(kindOf(() => encodePiv(2 ** 40)), 'internal');
  t.is(kindOf(() => encodePiv(-1)), 'internal');
});

const decodeKind = (value: Uint8Array): string => kindOf(() => decodeOscoreOption(value));

test('malformed values are bad_option', (t) => {
  t.is(decodeKind(hex('00')), 'bad_option'); // all-zero flags must be sent empty
  t.is(decodeKind(hex('20')), 'bad_option'); // reserved bit
  t.is(decodeKind(hex('8914')), 'bad_option'); // reserved bit
  t.is(decodeKind(hex('06010203040506')), 'bad_option'); // n = 6 reserved
  t.is(decodeKind(hex('07')), 'bad_option'); // n = 7 reserved
  t.is(decodeKind(hex('02')), 'bad_option'); // truncated Partial IV
  t.is(decodeKind(hex('020014')), 'bad_option'); // Partial IV with a leading zero
  t.is(decodeKind(hex('1914')), 'bad_option'); // missing kid context length
  t.is(decodeKind(hex('191408aabb')), 'bad_option'); // truncated kid context
  t.is(decodeKind(hex('0114ff')), 'bad_option'); // trailing bytes without k
  t.is(decodeKind(hex('0100')), 'ok');
  t.is(decodeKind(hex('08')), 'ok'); // empty kid, no Partial IV
});

test('fuzz: decoding any bytes yields a value or a bad_option CoreError', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        const d = decodeOscoreOption(bytes);
        // what decodes re-encodes to the same bytes
        return toHex(encodeOscoreOption(d.piv, d.kidContext, d.kid)) === toHex(bytes);
      } catch (e) {
        return isCoreError(e) && e.kind === 'bad_option';
      }
    }),
    { numRuns: 5000 },
  );
  t.pass();
});

test('property: encode/decode round trip', (t) => {
  fc.assert(
    fc.property(
      fc.option(fc.nat(2 ** 40 - 1), { nil: null }),
      fc.option(fc.uint8Array({ maxLength: 255 }), { nil: null }),
      fc.option(fc.uint8Array({ maxLength: 16 }), { nil: null }),
      (seq, kidContext, kid) => {
        const piv = seq === null ? null : encodePiv(seq);
        const d = decodeOscoreOption(encodeOscoreOption(piv, kidContext, kid));
        return show(d.piv) === show(piv) && show(d.kidContext) === show(kidContext) && show(d.kid) === show(kid);
      },
    ),
  );
  t.pass();
});
