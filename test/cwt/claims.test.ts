import test from 'ava';
import { CborMap, cborMap, decode } from '../../device/codec/cbor.ts';
import { toHex } from '../../device/codec/bytes.ts';
import { decodeClaims, parseClaims } from '../../device/cwt/claims.ts';
import { buildClaims } from '../../device/cwt/mint.ts';
import { hex } from '../helpers/vectors.ts';
import { CNF, CODECS, CWT, OSCORE_PROFILE, throwsKind } from '../cose/fixtures.ts';

const figure = (id: string) => OSCORE_PROFILE.examples.find((e: { id: string }) => e.id === id);

for (const c of CODECS) {
  test(`RFC 8392 A.1 claims parse to their values (${c.name})`, (t) => {
    const claims = decodeClaims(hex(CWT.claims_set.hex), c);
    const v = CWT.claims_set.values;
    t.is(claims.iss, v.iss.value);
    t.is(claims.sub, v.sub.value);
    t.deepEqual(claims.aud, [v.aud.value]);
    t.is(claims.exp, v.exp.value);
    t.is(claims.nbf, v.nbf.value);
    t.is(claims.iat, v.iat.value);
    t.is(toHex(claims.cti!), v.cti.value_hex);
    t.is(claims.cnf, null);
    t.is(claims.scope, null);
  });

  test(`RFC 8392 A.7 float iat (${c.name})`, (t) => {
    const claims = decodeClaims(hex(CWT.maced_cwt_float.payload_hex), c);
    t.is(claims.iat, 1443944944.5);
    t.is(claims.exp, null);
  });

  test(`RFC 9203 Fig. 5/6 and Fig. 8 claims parse (${c.name})`, (t) => {
    const f5 = figure('Figure 5').payloads[0];
    t.is(f5.hex_in_rfc, f5.derived_hex);
    const claims = decodeClaims(hex(f5.hex_in_rfc), c);
    t.deepEqual(claims.aud, ['tempSensorInLivingRoom']);
    t.is(claims.iat, 1360189224);
    t.is(claims.exp, 1360289224);
    t.is(claims.scope, 'temperature_g firmware_p');
    const osc = (claims.cnf as CborMap).get(4) as CborMap;
    t.is(toHex(osc.get(0) as Uint8Array), OSCORE_PROFILE.exchange_values.oscore_input_material_in_cnf.id);
    const f8 = decodeClaims(hex(figure('Figure 8').payloads[0].derived_hex), c);
    t.is(f8.scope, 'temperature_h');
    t.is(toHex((f8.cnf as CborMap).get(3) as Uint8Array), '01');
  });

  test(`RFC 8747 §3.2–§3.4 claims parse (${c.name})`, (t) => {
    for (const e of CNF.examples) {
      if (e.id === 'symmetric_cose_key') continue;
      const claims = decodeClaims(hex(e.derived_hex), c);
      t.true(claims.cnf instanceof CborMap, e.id);
    }
  });
}

test('claim types are checked', (t) => {
  const bad: Array<[string, CborMap]> = [
    ['iss number', cborMap([[1, 5]])],
    ['aud number', cborMap([[3, 5]])],
    ['aud empty array', cborMap([[3, []]])],
    ['aud array of bytes', cborMap([[3, ['a', new Uint8Array(1)]]])],
    ['exp text', cborMap([[4, '1']])],
    ['exp NaN', cborMap([[4, NaN]])],
    ['nbf Infinity', cborMap([[5, Infinity]])],
    ['cti text', cborMap([[7, 'x']])],
    ['cnf array', cborMap([[8, []]])],
    ['scope number', cborMap([[9, 1]])],
    ['ace_profile float', cborMap([[38, 1.5]])],
    ['cnonce text', cborMap([[39, 'n']])],
    ['exi negative', cborMap([[40, -1]])],
    ['exi float', cborMap([[40, 2.5]])],
  ];
  for (const [name, m] of bad) throwsKind(t, () => parseClaims(m), 'malformed_claims', name);
  throwsKind(t, () => parseClaims([1]), 'malformed_claims', 'not a map');
  throwsKind(t, () => decodeClaims(hex('a1'), CODECS[0]), 'malformed_claims', 'truncated');
  const ok = parseClaims(cborMap([[3, ['a', 'b']], [9, hex('8201')], ['private', 1], [40, 0]]));
  t.deepEqual(ok.aud, ['a', 'b']);
  t.deepEqual(ok.scope, hex('8201'));
  t.is(ok.map.get('private'), 1);
});

test('buildClaims writes what parseClaims reads', (t) => {
  const m = buildClaims({ iss: 'as', aud: ['a', 'b'], exp: 10, cti: hex('01'), scope: hex('8201'), aceProfile: 2, cnonce: hex('aa'), exi: 60 });
  const c = parseClaims(decode(CODECS[0].encode(m)));
  t.deepEqual(c.aud, ['a', 'b']);
  t.is(c.exi, 60);
  t.is(c.aceProfile, 2);
  t.deepEqual(c.cnonce, hex('aa'));
  t.is(typeof buildClaims({ aud: 'one' }).get(3), 'string');
  throwsKind(t, () => buildClaims({ exi: -5 }), 'malformed_claims');
});
