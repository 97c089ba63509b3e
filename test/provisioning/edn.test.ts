/** The EDN printer: RFC 8949 Appendix A byte for byte through print and parse, masking, embedding. */
import test from 'ava';
import { CborMap, CborTag, decode, encode } from '../../device/codec/cbor.ts';
import { toHex } from '../../device/codec/bytes.ts';
import { comment, toEdn } from '../../provisioning/edn.ts';
import { COSE_KEY, CLAIMS, sign1 } from '../../provisioning/labels.ts';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { parseEdn } from './helpers.ts';

const examples = loadVectors('rfc8949-cbor.json').examples as Array<{ diagnostic: string; hex: string; contains_float: boolean; indefinite_length: boolean }>;

test('RFC 8949 Appendix A: every example the codec holds prints to EDN that parses back to its bytes', (t) => {
  let checked = 0;
  for (const e of examples) {
    if (e.indefinite_length) continue; // printed definite: the same value, other bytes
    let value;
    try {
      value = decode(hex(e.hex));
    } catch {
      continue; // integers beyond 2^53, refused by the portable codec
    }
    // the value model keeps numbers, not their width: 0.0 comes back as the integer 0
    if (toHex(encode(value)) !== e.hex) continue;
    const edn = toEdn(value, null, { reveal: true });
    const back = parseEdn(edn);
    t.is(back.length, 1, e.diagnostic);
    t.is(toHex(encode(back[0])), e.hex, e.diagnostic + ' -> ' + edn);
    checked++;
  }
  t.true(checked >= 45, 'checked ' + checked);
});

test('RFC 8949 Appendix A: scalars, inline arrays and tags print exactly as the RFC writes them', (t) => {
  let same = 0;
  for (const e of examples) {
    if (e.contains_float || e.indefinite_length || e.diagnostic.includes('{') || /\\u/.test(e.diagnostic)) continue;
    if (/^c[23]/.test(e.hex)) continue; // bignums: the RFC writes the number, the codec keeps the tag
    let value;
    try {
      value = decode(hex(e.hex));
    } catch {
      continue;
    }
    t.is(toEdn(value, null, { reveal: true }), e.diagnostic, e.hex);
    same++;
  }
  t.true(same >= 30, 'compared ' + same);
});

test('secrets are masked unless revealed, and comments never hold a slash', (t) => {
  const key = new CborMap().set(1, 4).set(2, new Uint8Array([0x6d, 0x61, 0x63])).set(3, 4).set(-1, new Uint8Array(32).fill(7));
  const masked = toEdn(key, COSE_KEY, { reveal: false });
  t.regex(masked, /\/ k \/ -1: h'…' \/ masked 32 bytes \//);
  t.notRegex(masked, /0707/);
  t.regex(masked, /\/ alg \/ 3: 4 \/ HMAC 256-64 \//);
  t.regex(masked, /"mac"/);
  const revealed = toEdn(key, COSE_KEY, { reveal: true });
  t.regex(revealed, /h'0707070707070707070707070707070707070707070707070707070707070707'/);
  t.deepEqual(encode(parseEdn(revealed)[0]), encode(key));
  t.is(comment('HMAC 256/64'), '/ HMAC 256-64 /');
});

test('embedded CBOR is opened only when it re-encodes to the same bytes', (t) => {
  const claims = new CborMap().set(1, 'coap://as').set(4, 1700000000);
  const sign = new CborTag(18, [encode(new CborMap().set(1, -8)), new CborMap(), encode(claims), new Uint8Array(64)]);
  const edn = toEdn(sign, { tagged: sign1(CLAIMS) }, { reveal: true });
  t.regex(edn, /\/ payload \/ << \{/);
  t.regex(edn, /\/ exp \/ 4: 1700000000 \/ 2023-11-14T22:13:20Z \//);
  t.deepEqual(encode(parseEdn(edn)[0]), encode(sign));
  // a non-deterministic encoding (1 in two bytes) stays a byte string
  const odd = new Uint8Array([0x18, 0x01]);
  const shown = toEdn([odd], { item: () => ({ schema: { embedded: {} } }) }, { reveal: true });
  t.is(shown, "[h'1801']");
});
