/** What the cbor-x codec relies on in the installed cbor-x, and its two decoding paths. */
import test from 'ava';
import { Decoder, Tag } from 'cbor-x';
import { CborMap, CborSimple, CborTag, portableCbor } from '../../device/codec/cbor.ts';
import { FAST_TAGS, cborX } from '../../device/hosts/node/cbor-x.ts';
import { bytes, hexOf } from './helpers.ts';
import { loadVectors } from '../helpers/vectors.ts';

const raw = new Decoder({ useRecords: false, mapsAsObjects: false } as ConstructorParameters<typeof Decoder>[0]);

function tagged(tag: number): Uint8Array {
  const h = tag < 24 ? [0xc0 | tag] : tag < 256 ? [0xd8, tag] : tag < 65536 ? [0xd9, tag >> 8, tag & 255] : [0xda, tag >>> 24, (tag >> 16) & 255, (tag >> 8) & 255, tag & 255];
  return Uint8Array.from([...h, 0x80]);
}

test('cbor-x returns a plain Tag for every tag number of FAST_TAGS (re-checked against the installed cbor-x)', (t) => {
  let n = 0;
  for (const [lo, hi] of FAST_TAGS) {
    for (let tag = lo; tag <= hi; tag++) {
      const v = raw.decode(tagged(tag));
      if (!(v instanceof Tag) || v.tag !== tag || !Array.isArray(v.value)) t.fail(`cbor-x reads tag ${tag} as its own value`);
      n++;
    }
  }
  t.true(n > 27000);
  // the COSE and CWT tags take the fast path
  for (const tag of [16, 17, 18, 61, 96, 97, 98]) t.true(FAST_TAGS.some(([lo, hi]) => tag >= lo && tag <= hi));
});

test('every tag number decodes to a CborTag, whichever path reads it', (t) => {
  const interpreted = [0, 1, 2, 3, 4, 5, 6, 27, 28, 29, 51, 64, 70, 82, 86, 105, 258, 259, 27647, 55799, 57337, 57343, 0x53687264, 4294967295];
  for (const tag of [...interpreted, 7, 16, 18, 61, 96, 300, 27646]) {
    const input = tagged(tag);
    t.deepEqual(cborX.decode(input), new CborTag(tag, []), `tag ${tag}`);
    t.is(hexOf(cborX.encode(new CborTag(tag, []))), hexOf(input), `tag ${tag}`);
  }
  t.deepEqual(cborX.decode(bytes('db000000010000000080')), new CborTag(4294967296, []));
});

test('simple values and chunked strings, which cbor-x cannot read, come out as on the portable codec', (t) => {
  for (const h of ['f0', 'f8ff', '5f42010243030405ff', '7f657374726561646d696e67ff', '83e0f8207f6161ff', 'a17f6161ff01']) {
    t.deepEqual(cborX.decode(bytes(h)), portableCbor.decode(bytes(h)), h);
  }
  t.deepEqual(cborX.decode(bytes('82e0f820')), [new CborSimple(0), new CborSimple(32)]);
});

test('the RFC 8392 CWTs take the fast path to the same values and bytes as the portable codec', (t) => {
  const cwt = loadVectors('rfc8392-cwt.json');
  const items = ['claims_set', 'signed_cwt', 'maced_cwt', 'encrypted_cwt', 'nested_cwt', 'maced_cwt_float'].map((k) => cwt[k].hex as string);
  for (const k of Object.keys(cwt.keys)) items.push(cwt.keys[k].cose_key_hex);
  t.true(items.length >= 8);
  for (const h of items) {
    const input = bytes(h);
    const v = cborX.decode(input);
    t.deepEqual(v, portableCbor.decode(input), h);
    t.is(hexOf(cborX.encode(v)), hexOf(portableCbor.encode(v)), h);
  }
  // the signed CWT (A.3): COSE_Sign1 (tag 18); the MACed one (A.4): tag 61 around COSE_Mac0 (tag 17)
  const sign1 = cborX.decode(bytes(cwt.signed_cwt.hex)) as CborTag;
  t.is(sign1.tag, 18);
  const maced = cborX.decode(bytes(cwt.maced_cwt.hex)) as CborTag;
  t.is(maced.tag, 61);
  t.is((maced.value as CborTag).tag, 17);
  t.deepEqual(((sign1.value as unknown[])[1] as CborMap).keys, [4]); // unprotected kid, an integer label
  const claims = cborX.decode((sign1.value as Uint8Array[])[2]) as CborMap;
  t.deepEqual(claims.keys, [1, 2, 3, 4, 5, 6, 7]);
  t.is(hexOf(cborX.encode(claims)), cwt.signed_cwt.payload_hex);
});
