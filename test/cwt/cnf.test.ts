import test from 'ava';
import { CborMap, cborMap, decode } from '../../device/codec/cbor.ts';
import { toHex } from '../../device/codec/bytes.ts';
import { Alg, Curve, KeyType } from '../../device/cose/iana.ts';
import { curveKey, publicPart, symmetricKey } from '../../device/cose/key.ts';
import { carriesSecret, parseOsc, readConfirmation } from '../../device/cwt/cnf.ts';
import type { OscoreInputMaterial } from '../../device/cwt/cnf.ts';
import { cnfWithEncryptedKey, cnfWithKey, cnfWithKeyToDevice, cnfWithKid, cnfWithOsc, oscToMap } from '../../device/cwt/cnf-build.ts';
import { hex } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { CNF, CODECS, OSCORE_PROFILE, throwsKind } from '../cose/fixtures.ts';

const example = (id: string) => CNF.examples.find((e: { id: string }) => e.id === id);
const cnfOf = (claimsHex: string) => (decode(hex(claimsHex)) as CborMap).get(8) as CborMap;

for (const p of PROVIDERS) {
  for (const c of CODECS) {
    const tag = `(${p.name}, ${c.name})`;

    test(`RFC 8747 §3.3 Encrypted_COSE_Key decrypts to the §3.3 key ${tag}`, (t) => {
      const e = example('encrypted_cose_key');
      const kek = symmetricKey(hex(e.encryption_key), null, null);
      const conf = readConfirmation(cnfOf(e.derived_hex), [kek], p, c);
      if (conf.kind !== 'key') return t.fail();
      t.true(conf.encrypted);
      t.is(conf.key.kty, KeyType.Symmetric);
      t.is(toHex(conf.key.k!), example('symmetric_cose_key').k);
      t.is(conf.key.alg, Alg.HMAC_256_256);
      t.true(carriesSecret(conf));
      // a wrong key-encryption key, a tampered ciphertext, no usable key: all bad_cnf
      throwsKind(t, () => readConfirmation(cnfOf(e.derived_hex), [symmetricKey(new Uint8Array(16), null, null)], p, c), 'bad_cnf', 'other kek');
      const cnf = cnfOf(e.derived_hex);
      const enc = cnf.get(2) as Uint8Array[];
      enc[2][5] ^= 1;
      throwsKind(t, () => readConfirmation(cnf, [kek], p, c), 'bad_cnf', 'tampered');
      throwsKind(t, () => readConfirmation(cnfOf(e.derived_hex), [symmetricKey(new Uint8Array(32), null, null)], p, c), 'bad_cnf', 'no key for the alg');
    });

    test(`RFC 8747 §3.2 COSE_Key and §3.4 kid ${tag}`, (t) => {
      const e = example('cose_key_asymmetric');
      const conf = readConfirmation(cnfOf(e.derived_hex), [], p, c);
      if (conf.kind !== 'key') return t.fail();
      t.false(conf.encrypted);
      t.is(toHex(conf.key.publicKey!), '04' + e.x + e.y);
      t.false(carriesSecret(conf));
      const kid = readConfirmation(cnfOf(example('kid').derived_hex), [], p, c);
      t.deepEqual(kid, { kind: 'kid', kid: hex(example('kid').kid) });
    });

    test(`RFC 9203 OSCORE_Input_Material of Figs. 4–6 ${tag}`, (t) => {
      const x = OSCORE_PROFILE.exchange_values.oscore_input_material_in_cnf;
      const fig5 = OSCORE_PROFILE.examples.find((f: { id: string }) => f.id === 'Figure 5').payloads[0].hex_in_rfc;
      const conf = readConfirmation(cnfOf(fig5), [], p, c);
      if (conf.kind !== 'osc') return t.fail();
      t.is(toHex(conf.osc.id), x.id);
      t.is(toHex(conf.osc.ms), x.ms);
      t.is(conf.osc.alg, null);
      t.is(conf.osc.salt, null);
      t.true(carriesSecret(conf));
      // the osc map alone (Fig. 4's cnf member), byte for byte through the builder
      t.is(toHex(c.encode(oscToMap(parseOsc(decode(hex(x.osc_cbor_derived)))))), x.osc_cbor_derived);
      // Fig. 9 gives the same material in JSON with alg as text; the CBOR form takes text too
      const f9 = parseOsc(cborMap([[0, hex('01')], [2, hex(x.ms)], [4, 'AES-CCM-16-64-128']]));
      t.is(f9.alg, 'AES-CCM-16-64-128');
    });

    test(`cnf builders round-trip every kind ${tag}`, (t) => {
      const kek = symmetricKey(p.randomBytes(16), hex('a1'), null);
      const pop = symmetricKey(p.randomBytes(32), hex('0b'), Alg.HMAC_256_256);
      for (const alg of [Alg.AES_CCM_16_64_128, Alg.A128GCM]) {
        const conf = readConfirmation(cnfWithEncryptedKey(pop, kek, alg, {}, p, c), [kek], p, c);
        t.deepEqual(conf, { kind: 'key', key: pop, encrypted: true });
      }
      for (const crv of [Curve.X25519, Curve.P256]) {
        const pair = p.generateKeyPair(crv);
        const device = curveKey(crv, pair.publicKey, pair.privateKey, hex('dd'), null);
        const cnf = cnfWithKeyToDevice(pop, publicPart(device), Alg.ChaCha20Poly1305, {}, p, c);
        t.deepEqual(readConfirmation(decode(c.encode(cnf)) as CborMap, [kek, device], p, c), { kind: 'key', key: pop, encrypted: true });
        throwsKind(t, () => readConfirmation(cnf, [kek], p, c), 'bad_cnf', 'no device key');
      }
      const signer = p.generateKeyPair(Curve.Ed25519);
      const clientKey = curveKey(Curve.Ed25519, signer.publicKey, signer.privateKey, hex('c1'), Alg.EdDSA);
      const plain = readConfirmation(cnfWithKey(clientKey), [], p, c);
      t.deepEqual(plain, { kind: 'key', key: publicPart(clientKey), encrypted: false });
      t.deepEqual(readConfirmation(cnfWithKid(hex('0102')), [], p, c), { kind: 'kid', kid: hex('0102') });
      const osc: OscoreInputMaterial = { id: hex('01'), version: 1, ms: p.randomBytes(16), hkdf: Alg.HKDF_SHA_256, alg: Alg.AES_CCM_16_64_128, salt: hex('9e7ca92223786340'), contextId: hex('37cbf3210017a2d3') };
      t.deepEqual(readConfirmation(cnfWithOsc(osc), [], p, c), { kind: 'osc', osc: osc });
    });
  }
}

test('malformed cnf claims are bad_cnf', (t) => {
  const p = PROVIDERS[0];
  const c = CODECS[0];
  const cases: Array<[string, CborMap]> = [
    ['empty', new CborMap()],
    ['two methods', cborMap([[3, hex('01')], [4, cborMap([[0, hex('01')], [2, hex('02')]])]])],
    ['unknown method', cborMap([[5, hex('01')]])],
    ['kid text', cborMap([[3, 'x']])],
    ['osc without ms', cborMap([[4, cborMap([[0, hex('01')]])]])],
    ['osc without id', cborMap([[4, cborMap([[2, hex('01')]])]])],
    ['osc version text', cborMap([[4, cborMap([[0, hex('01')], [2, hex('02')], [1, 'v1']])]])],
    ['osc salt number', cborMap([[4, cborMap([[0, hex('01')], [2, hex('02')], [5, 1]])]])],
    ['COSE_Key bad', cborMap([[1, cborMap([[1, 2]])]])],
    ['Encrypted_COSE_Key not COSE', cborMap([[2, hex('00')]])],
    ['Encrypted_COSE_Key wrong tag', cborMap([[2, decode(hex('d28443a10126a0404140'))]])],
  ];
  for (const [name, m] of cases) throwsKind(t, () => readConfirmation(m, [], p, c), 'bad_cnf', name);
});
