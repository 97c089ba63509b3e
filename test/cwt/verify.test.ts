/** verifyCwt: RFC 8392 A.3–A.7, tampering, policy (time, exi, cnonce, aud, iss), minted tokens, cross-provider. */
import test from 'ava';
import { CborTag, CborValue, decode, encode } from '../../device/codec/cbor.ts';
import { toHex, utf8Encode } from '../../device/codec/bytes.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { Alg, Curve } from '../../device/cose/iana.ts';
import { CoseKey, curveKey, publicPart, symmetricKey } from '../../device/cose/key.ts';
import { CwtPolicy, verifyCwt } from '../../device/cwt/verify.ts';
import { ClaimsInput, buildClaims, encryptCwt, macCwt, nestCwt, signCwt } from '../../device/cwt/mint.ts';
import { cnfWithEncryptedKey, cnfWithKey, cnfWithKeyToDevice, cnfWithOsc } from '../../device/cwt/cnf-build.ts';
import { hex } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { A1_AUD, A1_NOW, CODECS, CWT, TestClock, a21Key, a22Key, a23Key, flip, throwsKind } from '../cose/fixtures.ts';

const codec = CODECS[0];

function rfcPolicy(now: number | null): CwtPolicy {
  return { keys: [publicPart(a23Key()), a21Key(), a22Key()], audience: A1_AUD, clock: new TestClock(now, 5000) };
}

/** The same token with the bytes of one element of its (outermost untagged) COSE array changed. */
function mutate(bytes: Uint8Array, i: number, change: (b: Uint8Array) => CborValue): Uint8Array {
  const v = decode(bytes);
  let inner: CborValue = v;
  while (inner instanceof CborTag) inner = inner.value;
  const arr = inner as CborValue[];
  arr[i] = change(arr[i] as Uint8Array);
  return encode(v);
}

for (const p of PROVIDERS) {
  for (const c of CODECS) {
    const tag = `(${p.name}, ${c.name})`;

    test(`RFC 8392 A.3–A.6 verify to the A.1 claims ${tag}`, (t) => {
      const expected = { signed_cwt: ['sign1'], maced_cwt: ['mac0'], encrypted_cwt: ['encrypt0'], nested_cwt: ['encrypt0', 'sign1'] } as { [k: string]: string[] };
      for (const name of Object.keys(expected)) {
        const r = verifyCwt(hex(CWT[name].hex), rfcPolicy(A1_NOW), p, c);
        t.deepEqual(r.layers, expected[name], name);
        t.is(toHex(c.encode(r.claims.map)), CWT.claims_set.hex, name);
        t.is(r.claims.iss, 'coap://as.example.com');
        t.is(r.encrypted, name === 'encrypted_cwt' || name === 'nested_cwt');
        t.is(r.confirmation, null);
        t.is(r.exiDeadlineMs, null);
      }
    });

    test(`RFC 8392 A.7 verifies (no aud, no exp: the policy must allow both) ${tag}`, (t) => {
      const bytes = hex(CWT.maced_cwt_float.hex);
      throwsKind(t, () => verifyCwt(bytes, rfcPolicy(A1_NOW), p, c), 'malformed_claims', 'no expiry');
      throwsKind(t, () => verifyCwt(bytes, { ...rfcPolicy(A1_NOW), requireExpiry: false }, p, c), 'wrong_audience');
      const r = verifyCwt(bytes, { ...rfcPolicy(A1_NOW), requireExpiry: false, requireAudience: false }, p, c);
      t.is(r.claims.iat, 1443944944.5);
    });

    test(`tampered RFC tokens fail with the right kind ${tag}`, (t) => {
      const pol = rfcPolicy(A1_NOW);
      const a3 = hex(CWT.signed_cwt.hex);
      throwsKind(t, () => verifyCwt(mutate(a3, 3, (b) => flip(b, 20)), pol, p, c), 'bad_signature', 'A.3 signature');
      throwsKind(t, () => verifyCwt(mutate(a3, 2, (b) => flip(b, 30)), pol, p, c), 'bad_signature', 'A.3 payload');
      throwsKind(t, () => verifyCwt(mutate(a3, 0, () => hex('a10127')), pol, p, c), 'unsupported_algorithm', 'A.3 alg -8 with an ES256 key');
      throwsKind(t, () => verifyCwt(mutate(a3, 0, () => hex('a201260300')), pol, p, c), 'bad_signature', 'A.3 protected header');
      throwsKind(t, () => verifyCwt(mutate(a3, 1, () => []), pol, p, c), 'malformed_cose', 'A.3 unprotected not a map');
      const a4 = hex(CWT.maced_cwt.hex);
      throwsKind(t, () => verifyCwt(mutate(a4, 3, (b) => flip(b, 0)), pol, p, c), 'bad_signature', 'A.4 tag');
      throwsKind(t, () => verifyCwt(mutate(a4, 0, () => hex('a10105')), pol, p, c), 'unsupported_algorithm', 'A.4 alg 5: the key is HMAC 256/64 only');
      const a5 = hex(CWT.encrypted_cwt.hex);
      throwsKind(t, () => verifyCwt(mutate(a5, 2, (b) => flip(b, -1)), pol, p, c), 'decrypt_failed', 'A.5 tag');
      throwsKind(t, () => verifyCwt(mutate(a5, 2, (b) => flip(b, 3)), pol, p, c), 'decrypt_failed', 'A.5 ciphertext');
      throwsKind(t, () => verifyCwt(mutate(a5, 0, () => hex('a101180a')), pol, p, c), 'decrypt_failed', 'A.5 protected re-encoded');
      const a6 = hex(CWT.nested_cwt.hex);
      throwsKind(t, () => verifyCwt(mutate(a6, 2, (b) => flip(b, 100)), pol, p, c), 'decrypt_failed', 'A.6 ciphertext');
      throwsKind(t, () => verifyCwt(a3, { ...pol, keys: [a21Key()] }, p, c), 'unknown_kid', 'no key with that kid');
      throwsKind(t, () => verifyCwt(a3.slice(0, -1), pol, p, c), 'malformed_cbor', 'truncated');
      throwsKind(t, () => verifyCwt(encode(new CborTag(61, (decode(a3) as CborTag).value)), pol, p, c), 'malformed_cose', 'tag 61 around an untagged COSE');
      throwsKind(t, () => verifyCwt(encode(new CborTag(98, (decode(a3) as CborTag).value)), pol, p, c), 'malformed_cose', 'COSE_Sign');
      // untagged forms are recognised from shape and alg
      t.deepEqual(verifyCwt(encode((decode(a3) as CborTag).value), pol, p, c).layers, ['sign1']);
      t.deepEqual(verifyCwt(encode(((decode(a4) as CborTag).value as CborTag).value), pol, p, c).layers, ['mac0']);
      t.deepEqual(verifyCwt(encode((decode(a5) as CborTag).value), pol, p, c).layers, ['encrypt0']);
    });

    test(`time policy: exp, nbf, leeway ${tag}`, (t) => {
      const a3 = hex(CWT.signed_cwt.hex);
      const exp = 1444064944;
      const nbf = 1443944944;
      t.notThrows(() => verifyCwt(a3, rfcPolicy(exp - 1), p, c));
      throwsKind(t, () => verifyCwt(a3, rfcPolicy(exp), p, c), 'expired');
      t.notThrows(() => verifyCwt(a3, { ...rfcPolicy(exp + 29), leewaySeconds: 30 }, p, c));
      throwsKind(t, () => verifyCwt(a3, { ...rfcPolicy(exp + 30), leewaySeconds: 30 }, p, c), 'expired');
      t.notThrows(() => verifyCwt(a3, rfcPolicy(nbf), p, c));
      throwsKind(t, () => verifyCwt(a3, rfcPolicy(nbf - 1), p, c), 'not_yet_valid');
      t.notThrows(() => verifyCwt(a3, { ...rfcPolicy(nbf - 30), leewaySeconds: 30 }, p, c));
      throwsKind(t, () => verifyCwt(a3, { ...rfcPolicy(nbf - 31), leewaySeconds: 30 }, p, c), 'not_yet_valid');
      // no clock: exp cannot be judged, and A.3 has no exi
      throwsKind(t, () => verifyCwt(a3, rfcPolicy(null), p, c), 'stale');
      t.notThrows(() => verifyCwt(a3, { ...rfcPolicy(null), requireExpiry: false }, p, c));
    });

    test(`audience and issuer ${tag}`, (t) => {
      const a3 = hex(CWT.signed_cwt.hex);
      throwsKind(t, () => verifyCwt(a3, { ...rfcPolicy(A1_NOW), audience: 'coap://lock' }, p, c), 'wrong_audience');
      throwsKind(t, () => verifyCwt(a3, { ...rfcPolicy(A1_NOW), issuer: 'coap://other-as' }, p, c), 'unauthorized');
      t.notThrows(() => verifyCwt(a3, { ...rfcPolicy(A1_NOW), issuer: 'coap://as.example.com' }, p, c));
      const key = symmetricKey(p.randomBytes(32), hex('01'), null);
      const pol: CwtPolicy = { keys: [key], audience: 'lock', clock: new TestClock(100, 0) };
      const token = (aud: string | string[]) => macCwt(buildClaims({ aud: aud, exp: 200 }), key, Alg.HMAC_256_256, {}, p, c);
      t.notThrows(() => verifyCwt(token(['sensor', 'lock']), pol, p, c));
      throwsKind(t, () => verifyCwt(token(['sensor', 'lock2']), pol, p, c), 'wrong_audience');
    });

    test(`exi without a clock, counted from reception ${tag}`, (t) => {
      const key = symmetricKey(p.randomBytes(16), hex('02'), null);
      const clock = new TestClock(null, 123000);
      const pol: CwtPolicy = { keys: [key], audience: 'sensor', clock: clock };
      const mint = (c2: ClaimsInput) => encryptCwt(buildClaims(c2), key, Alg.AES_CCM_16_64_128, {}, p, c);
      const r = verifyCwt(mint({ aud: 'sensor', exi: 3600, cti: hex('736e73720001') }), pol, p, c);
      t.is(r.receivedAtMs, 123000);
      t.is(r.exiDeadlineMs, 123000 + 3600 * 1000);
      throwsKind(t, () => verifyCwt(mint({ aud: 'sensor', exi: 3600 }), pol, p, c), 'malformed_claims', 'exi without cti');
      throwsKind(t, () => verifyCwt(mint({ aud: 'sensor', exi: 0, cti: hex('01') }), pol, p, c), 'expired');
      throwsKind(t, () => verifyCwt(mint({ aud: 'sensor', exp: 2000000000 }), pol, p, c), 'stale', 'exp only, no clock');
      // with a clock as well, exp still applies
      clock.seconds = 2000000001;
      throwsKind(t, () => verifyCwt(mint({ aud: 'sensor', exp: 2000000000, exi: 60, cti: hex('01') }), pol, p, c), 'expired');
    });

    test(`cnonce must match a nonce the device issued ${tag}`, (t) => {
      const key = symmetricKey(p.randomBytes(32), null, null);
      const issued = [hex('e0a156bb3f')];
      let asked = 0;
      const pol: CwtPolicy = {
        keys: [key], audience: 'lock', clock: new TestClock(null, 0), requireExpiry: false,
        nonceChecker: (n) => { asked++; return issued.some((x) => toHex(x) === toHex(n)); },
      };
      const mint = (c2: ClaimsInput) => macCwt(buildClaims(c2), key, Alg.HMAC_256_64, {}, p, c);
      t.notThrows(() => verifyCwt(mint({ aud: 'lock', cnonce: hex('e0a156bb3f') }), pol, p, c));
      throwsKind(t, () => verifyCwt(mint({ aud: 'lock', cnonce: hex('e0a156bb40') }), pol, p, c), 'stale', 'mismatch');
      throwsKind(t, () => verifyCwt(mint({ aud: 'lock' }), pol, p, c), 'stale', 'missing');
      const before = asked;
      throwsKind(t, () => verifyCwt(mint({ aud: 'other', cnonce: hex('e0a156bb3f') }), pol, p, c), 'wrong_audience');
      t.is(asked, before, 'a token refused for another reason does not consume a nonce');
      // without a nonce checker a cnonce is not judged
      t.notThrows(() => verifyCwt(mint({ aud: 'lock', cnonce: hex('00') }), { ...pol, nonceChecker: undefined }, p, c));
    });

    test(`one call: an Ed25519-signed, encrypted token with an encrypted cnf key ${tag}`, (t) => {
      const as = p.generateKeyPair(Curve.Ed25519);
      const issuer = curveKey(Curve.Ed25519, as.publicKey, as.privateKey, utf8Encode('as'), Alg.EdDSA);
      const asDevice = symmetricKey(p.randomBytes(16), utf8Encode('lock-1'), null);
      const pop = symmetricKey(p.randomBytes(16), hex('c0ffee'), Alg.AES_CCM_16_64_128);
      const claims = buildClaims({ iss: 'as', aud: 'lock-1', exp: 2000, cnf: cnfWithEncryptedKey(pop, asDevice, Alg.AES_CCM_16_64_128, {}, p, c), scope: 'unlock' });
      const token = signCwt(claims, issuer, Alg.EdDSA, { cwtTag: true }, p, c);
      const policy: CwtPolicy = { keys: [publicPart(issuer)], cnfKeys: [asDevice], audience: 'lock-1', issuer: 'as', clock: new TestClock(1000, 0) };
      const r = verifyCwt(token, policy, p, c);
      t.deepEqual(r.confirmation, { kind: 'key', key: pop, encrypted: true });
      t.is(r.claims.scope, 'unlock');
      // the same key in the clear inside a signed token is refused; inside an encrypted token it is fine
      const clear = buildClaims({ aud: 'lock-1', exp: 2000, cnf: cnfWithKey(pop) });
      throwsKind(t, () => verifyCwt(signCwt(clear, issuer, Alg.EdDSA, {}, p, c), policy, p, c), 'bad_cnf');
      const nested = nestCwt(signCwt(clear, issuer, Alg.EdDSA, {}, p, c), asDevice, Alg.AES_CCM_16_64_128, {}, p, c);
      const rn = verifyCwt(nested, { ...policy, keys: [publicPart(issuer), asDevice] }, p, c);
      t.deepEqual(rn.layers, ['encrypt0', 'sign1']);
      t.deepEqual(rn.confirmation, { kind: 'key', key: pop, encrypted: false });
      const osc = buildClaims({ aud: 'lock-1', exp: 2000, cnf: cnfWithOsc({ id: hex('01'), version: null, ms: p.randomBytes(16), hkdf: null, alg: null, salt: null, contextId: null }) });
      throwsKind(t, () => verifyCwt(macCwt(osc, asDevice, Alg.HMAC_256_64, {}, p, c), { ...policy, keys: [asDevice] }, p, c), 'bad_cnf', 'OSCORE master secret in a MACed token');
      t.notThrows(() => verifyCwt(encryptCwt(osc, asDevice, Alg.A128GCM, {}, p, c), { ...policy, keys: [asDevice] }, p, c));
    });
  }
}

/** Every algorithm minted with one provider and verified with the other. */
function crossProvider(maker: CryptoProvider, checker: CryptoProvider): void {
  test(`minted with ${maker.name}, verified with ${checker.name}`, (t) => {
    const c = codec;
    const now = new TestClock(1000, 0);
    const device = checker.generateKeyPair(Curve.X25519);
    const deviceKey = curveKey(Curve.X25519, device.publicKey, device.privateKey, hex('dd'), null);
    const pop = symmetricKey(maker.randomBytes(32), hex('0b'), null);
    const claims = buildClaims({ iss: 'as', aud: 'dev', exp: 2000, cnf: cnfWithKeyToDevice(pop, publicPart(deviceKey), Alg.A128GCM, {}, maker, c) });
    const keys: CoseKey[] = [];
    const tokens: Uint8Array[] = [];
    for (const [alg, crv] of [[Alg.EdDSA, Curve.Ed25519], [Alg.ES256, Curve.P256]] as Array<[Alg, Curve]>) {
      const pair = maker.generateKeyPair(crv);
      const k = curveKey(crv, pair.publicKey, pair.privateKey, utf8Encode('as-' + alg), alg);
      keys.push(publicPart(k));
      tokens.push(signCwt(claims, k, alg, {}, maker, c));
    }
    for (const alg of [Alg.HMAC_256_64, Alg.HMAC_256_256]) {
      const k = symmetricKey(maker.randomBytes(32), utf8Encode('mac-' + alg), alg);
      keys.push(k);
      tokens.push(macCwt(claims, k, alg, { untagged: true }, maker, c));
    }
    for (const alg of [Alg.AES_CCM_16_64_128, Alg.AES_CCM_16_128_128, Alg.A128GCM, Alg.A256GCM, Alg.ChaCha20Poly1305]) {
      const k = symmetricKey(maker.randomBytes(alg === Alg.A256GCM || alg === Alg.ChaCha20Poly1305 ? 32 : 16), utf8Encode('enc-' + alg), alg);
      keys.push(k);
      tokens.push(encryptCwt(claims, k, alg, { cwtTag: true }, maker, c));
      tokens.push(nestCwt(tokens[0], k, alg, {}, maker, c));
    }
    const policy: CwtPolicy = { keys: keys, cnfKeys: [deviceKey], audience: 'dev', clock: now };
    for (const token of tokens) {
      const r = verifyCwt(token, policy, checker, c);
      t.deepEqual(r.confirmation, { kind: 'key', key: pop, encrypted: true });
    }
  });
}

for (const a of PROVIDERS) for (const b of PROVIDERS) if (a !== b) crossProvider(a, b);
