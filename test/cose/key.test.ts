import test from 'ava';
import { CborMap, cborMap, decode, encode } from '../../device/codec/cbor.ts';
import { toHex } from '../../device/codec/bytes.ts';
import { Alg, Curve, KeyOp, KeyType } from '../../device/cose/iana.ts';
import { AGREE_TO, coseKeyToMap, curveKey, keyUsableFor, parseCoseKey, publicPart, symmetricKey } from '../../device/cose/key.ts';
import { hex } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { CNF, CWT, a21Key, a23Key, throwsKind } from './fixtures.ts';

test('RFC 8392 A.2.1: 128-bit symmetric key parses to its values and round-trips', (t) => {
  const key = a21Key();
  t.is(key.kty, KeyType.Symmetric);
  t.is(toHex(key.k!), CWT.keys.symmetric_128.k);
  t.is(toHex(key.kid!), CWT.keys.symmetric_128.kid_hex);
  t.is(key.alg, Alg.AES_CCM_16_64_128);
  t.deepEqual(parseCoseKey(decode(encode(coseKeyToMap(key, true)))), key);
});

test('RFC 8392 A.2.3: ES256 key gives the uncompressed point 04||x||y and d', (t) => {
  const key = a23Key();
  const v = CWT.keys.ecdsa_p256;
  t.is(key.kty, KeyType.EC2);
  t.is(key.crv, Curve.P256);
  t.is(toHex(key.publicKey!), '04' + v.x + v.y);
  t.is(toHex(key.privateKey!), v.d);
  t.is(toHex(key.kid!), v.kid_hex);
  t.is(key.alg, Alg.ES256);
  t.deepEqual(parseCoseKey(decode(encode(coseKeyToMap(key, true)))), key);
  t.false(coseKeyToMap(key, false).has(-4));
});

test('RFC 8392 A.2.2 as printed (32-byte k restricted to alg 10) is refused; with alg 4 it parses', (t) => {
  const printed = decode(hex(CWT.keys.symmetric_256.cose_key_hex)) as CborMap;
  t.is(printed.get(3), CWT.keys.symmetric_256.alg_in_hex);
  throwsKind(t, () => parseCoseKey(printed), 'malformed_key');
  printed.set(3, Alg.HMAC_256_64);
  const key = parseCoseKey(printed);
  t.is(toHex(key.k!), CWT.keys.symmetric_256.k);
  t.is(toHex(key.kid!), CWT.keys.symmetric_256.kid_hex);
});

test('RFC 8747 §3.2 P-256 public COSE_Key and §3.3 symmetric key parse', (t) => {
  const ex = CNF.examples;
  const claims = decode(hex(ex[0].derived_hex)) as CborMap;
  const k = parseCoseKey((claims.get(8) as CborMap).get(1));
  t.is(toHex(k.publicKey!), '04' + ex[0].x + ex[0].y);
  t.is(k.privateKey, null);
  const sym = parseCoseKey(decode(hex(ex[1].derived_hex)));
  t.is(toHex(sym.k!), ex[1].k);
  t.is(sym.alg, Alg.HMAC_256_256);
});

test('malformed keys are refused with malformed_key', (t) => {
  const x32 = new Uint8Array(32).fill(1);
  const cases: Array<[string, unknown]> = [
    ['not a map', [1, 2]],
    ['no kty', cborMap([[-1, new Uint8Array(16)]])],
    ['text kty', cborMap([[1, 'OKP'], [-1, 6], [-2, x32]])],
    ['unknown kty', cborMap([[1, 3]])],
    ['OKP on P-256', cborMap([[1, 1], [-1, 1], [-2, x32]])],
    ['EC2 on Ed25519', cborMap([[1, 2], [-1, 6], [-2, x32], [-3, x32]])],
    ['OKP short x', cborMap([[1, 1], [-1, 6], [-2, new Uint8Array(31)]])],
    ['OKP with y', cborMap([[1, 1], [-1, 6], [-2, x32], [-3, x32]])],
    ['OKP with neither x nor d', cborMap([[1, 1], [-1, 4]])],
    ['EC2 compressed y', cborMap([[1, 2], [-1, 1], [-2, x32], [-3, true]])],
    ['EC2 x without y', cborMap([[1, 2], [-1, 1], [-2, x32]])],
    ['EC2 long d', cborMap([[1, 2], [-1, 1], [-4, new Uint8Array(33)]])],
    ['symmetric without k', cborMap([[1, 4]])],
    ['symmetric short k', cborMap([[1, 4], [-1, new Uint8Array(8)]])],
    ['kid not bytes', cborMap([[1, 4], [-1, x32], [2, 'kid']])],
    ['empty key_ops', cborMap([[1, 4], [-1, x32], [4, []]])],
    ['EdDSA on X25519', cborMap([[1, 1], [-1, 4], [-2, x32], [3, Alg.EdDSA]])],
    ['ES256 on a symmetric key', cborMap([[1, 4], [-1, x32], [3, Alg.ES256]])],
    ['A128GCM with a 32-byte key', cborMap([[1, 4], [-1, x32], [3, Alg.A128GCM]])],
  ];
  for (const [name, v] of cases) throwsKind(t, () => parseCoseKey(v as CborMap), 'malformed_key', name);
});

test('keyUsableFor honours alg, kty/crv, key_ops and the part an operation needs', (t) => {
  const k = symmetricKey(new Uint8Array(32), null, null);
  t.true(keyUsableFor(k, Alg.HMAC_256_64, KeyOp.MacVerify));
  t.true(keyUsableFor(k, Alg.A256GCM, KeyOp.Decrypt));
  t.false(keyUsableFor(k, Alg.A128GCM, KeyOp.Decrypt), 'length does not fit');
  t.false(keyUsableFor(k, Alg.EdDSA, KeyOp.Verify));
  const restricted = symmetricKey(new Uint8Array(32), null, Alg.HMAC_256_256);
  t.false(keyUsableFor(restricted, Alg.HMAC_256_64, KeyOp.MacVerify));
  const m = coseKeyToMap(k, true).set(4, [KeyOp.MacVerify]);
  const verifyOnly = parseCoseKey(m);
  t.true(keyUsableFor(verifyOnly, Alg.HMAC_256_256, KeyOp.MacVerify));
  t.false(keyUsableFor(verifyOnly, Alg.HMAC_256_256, KeyOp.MacCreate));
  const pub = publicPart(a23Key());
  t.true(keyUsableFor(pub, Alg.ES256, KeyOp.Verify));
  t.false(keyUsableFor(pub, Alg.ES256, KeyOp.Sign), 'no d');
});

for (const p of PROVIDERS) {
  test(`curveKey builds checked keys from provider key pairs (${p.name})`, (t) => {
    for (const crv of [Curve.Ed25519, Curve.X25519, Curve.P256]) {
      const pair = p.generateKeyPair(crv);
      const key = curveKey(crv, pair.publicKey, pair.privateKey, new Uint8Array([1]), null);
      t.deepEqual(parseCoseKey(decode(encode(coseKeyToMap(key, true)))), key);
      const pub = publicPart(key);
      t.is(pub.privateKey, null);
      if (crv !== Curve.Ed25519) t.true(keyUsableFor(pub, Alg.ECDH_ES_HKDF_256, AGREE_TO));
    }
    throwsKind(t, () => curveKey(Curve.P256, new Uint8Array(33), null, null, null), 'malformed_key');
  });
}
