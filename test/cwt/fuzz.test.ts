/**
 * Property tests: random bytes, mutated valid tokens and structure-aware substitutions fed to
 * verifyCwt give a CoreError or a result, never another exception or a hang.
 */
import test from 'ava';
import fc from 'fast-check';
import { CborMap, CborTag, CborValue, decode, encode } from '../../device/codec/cbor.ts';
import { isCoreError } from '../../device/errors.ts';
import { Alg, Curve } from '../../device/cose/iana.ts';
import { curveKey, publicPart, symmetricKey } from '../../device/cose/key.ts';
import { CwtPolicy, verifyCwt } from '../../device/cwt/verify.ts';
import { buildClaims, encryptCwt, macCwt, nestCwt, signCwt } from '../../device/cwt/mint.ts';
import { cnfWithEncryptedKey, cnfWithKeyToDevice, cnfWithOsc } from '../../device/cwt/cnf-build.ts';
import { hex } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { A1_AUD, A1_NOW, CODECS, CWT, TestClock, a21Key, a22Key, a23Key } from '../cose/fixtures.ts';

const RUNS = 300;

function setup() {
  const p = PROVIDERS[0];
  const c = CODECS[0];
  const ed = p.generateKeyPair(Curve.Ed25519);
  const issuer = curveKey(Curve.Ed25519, ed.publicKey, ed.privateKey, hex('01'), Alg.EdDSA);
  const shared = symmetricKey(p.randomBytes(16), hex('02'), null);
  const x = p.generateKeyPair(Curve.X25519);
  const device = curveKey(Curve.X25519, x.publicKey, x.privateKey, hex('03'), null);
  const pop = symmetricKey(p.randomBytes(16), hex('04'), null);
  const base = { aud: A1_AUD, exp: A1_NOW + 100, cti: hex('05'), exi: 60 };
  const tokens = [
    hex(CWT.signed_cwt.hex), hex(CWT.maced_cwt.hex), hex(CWT.encrypted_cwt.hex), hex(CWT.nested_cwt.hex), hex(CWT.maced_cwt_float.hex),
    signCwt(buildClaims({ ...base, cnf: cnfWithEncryptedKey(pop, shared, Alg.AES_CCM_16_64_128, {}, p, c) }), issuer, Alg.EdDSA, { cwtTag: true }, p, c),
    encryptCwt(buildClaims({ ...base, cnf: cnfWithKeyToDevice(pop, publicPart(device), Alg.A128GCM, {}, p, c) }), shared, Alg.AES_CCM_16_64_128, { untagged: true }, p, c),
    nestCwt(signCwt(buildClaims({ ...base, cnf: cnfWithOsc({ id: hex('01'), version: 1, ms: hex('00112233445566778899aabbccddeeff'), hkdf: null, alg: null, salt: null, contextId: null }) }), issuer, Alg.EdDSA, {}, p, c), shared, Alg.A128GCM, {}, p, c),
    macCwt(buildClaims(base), shared, Alg.HMAC_256_64, {}, p, c),
  ];
  const policy: CwtPolicy = {
    keys: [publicPart(a23Key()), a21Key(), a22Key(), publicPart(issuer), shared],
    cnfKeys: [shared, device], audience: A1_AUD, clock: new TestClock(A1_NOW, 0), requireExpiry: false, requireAudience: false,
  };
  return { tokens, policy, shared };
}

const { tokens, policy, shared } = setup();

/** Runs verifyCwt on every provider; true when it returned or threw a CoreError. */
function onlyCoreErrors(bytes: Uint8Array): boolean {
  for (const p of PROVIDERS) {
    for (const c of CODECS) {
      try {
        verifyCwt(bytes, policy, p, c);
      } catch (e) {
        if (!isCoreError(e)) throw e;
      }
    }
  }
  return true;
}

test('the seed tokens verify', (t) => {
  for (const token of tokens) for (const p of PROVIDERS) t.notThrows(() => verifyCwt(token, policy, p, CODECS[0]));
});

test('random bytes give only CoreErrors', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), onlyCoreErrors), { numRuns: RUNS });
  t.pass();
});

test('byte-level mutations of valid tokens give only CoreErrors', (t) => {
  const mutation = fc.record({
    token: fc.integer({ min: 0, max: tokens.length - 1 }),
    edits: fc.array(fc.record({ kind: fc.integer({ min: 0, max: 3 }), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
  });
  fc.assert(fc.property(mutation, (m) => {
    let b = Array.prototype.slice.call(tokens[m.token]) as number[];
    for (const e of m.edits) {
      const i = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === 0) b[i] = e.byte; // overwrite
      else if (e.kind === 1) b[i] ^= 1 << (e.byte & 7); // flip a bit
      else if (e.kind === 2) b.splice(i, 0, e.byte); // insert
      else b = b.slice(0, i); // truncate
    }
    return onlyCoreErrors(new Uint8Array(b));
  }), { numRuns: RUNS });
  t.pass();
});

/** A random CBOR value of the shapes the core's value model holds. */
const cborValue: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -30, max: 70000 }),
    fc.double(),
    fc.string({ maxLength: 8 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom<CborValue>(true, false, null, undefined, 1, -7, -8, 4, 5, 10, 61, -25),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -30, max: 10 }), fc.string({ maxLength: 3 })), tie('v')), { maxLength: 4 })
      .map((pairs) => { const m = new CborMap(); for (const [k, val] of pairs) m.set(k, val); return m; }),
    fc.tuple(fc.constantFrom(16, 17, 18, 61, 96, 98), tie('v')).map(([tag, val]) => new CborTag(tag, val)),
  ),
})).v;

/** Replaces the sub-value at `path` (indices into arrays, maps, tags, and bstrs that hold CBOR). */
function replaceAt(v: CborValue, path: number[], value: CborValue): CborValue {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (v instanceof CborTag) return new CborTag(v.tag, replaceAt(v.value, path, value));
  if (Array.isArray(v) && v.length > 0) {
    const out = v.slice();
    const i = head % v.length;
    out[i] = replaceAt(v[i], rest, value);
    return out;
  }
  if (v instanceof CborMap && v.size > 0) {
    const out = new CborMap();
    v.forEach((val, k) => out.set(k, val));
    const k = v.keys[head % v.size];
    out.set(k, replaceAt(v.get(k), rest, value));
    return out;
  }
  if (v instanceof Uint8Array && v.length > 0) {
    // a bstr that holds CBOR (protected header, payload, plaintext is opaque): recurse into it
    try {
      return encode(replaceAt(decode(v), rest, value));
    } catch {
      return value;
    }
  }
  return value;
}

test('structure-aware substitutions in valid tokens give only CoreErrors', (t) => {
  const sub = fc.record({
    token: fc.integer({ min: 0, max: tokens.length - 1 }),
    path: fc.array(fc.nat({ max: 7 }), { maxLength: 5 }),
    value: cborValue,
  });
  fc.assert(fc.property(sub, (s) => {
    let bytes: Uint8Array;
    try {
      bytes = encode(replaceAt(decode(tokens[s.token]), s.path, s.value));
    } catch (e) {
      if (isCoreError(e)) return true; // the substitute itself has no CBOR form (e.g. a huge integer)
      throw e;
    }
    return onlyCoreErrors(bytes);
  }), { numRuns: RUNS });
  t.pass();
});

/** Claims sets of random values under the known claim keys (cnf with random method members). */
const claimsMap = fc.array(fc.tuple(fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 9, 38, 39, 40), fc.oneof(
  cborValue,
  fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), cborValue), { maxLength: 3 })
    .map((pairs) => { const m = new CborMap(); for (const [k, val] of pairs) m.set(k, val); return m; }),
)), { maxLength: 8 }).map((pairs) => { const m = new CborMap(); for (const [k, val] of pairs) m.set(k, val); return m; });

test('random claims sets under a valid MAC give only CoreErrors', (t) => {
  const p = PROVIDERS[0];
  fc.assert(fc.property(claimsMap, (m) => {
    let token: Uint8Array;
    try {
      token = macCwt(m, shared, Alg.HMAC_256_64, {}, p, CODECS[0]);
    } catch (e) {
      if (isCoreError(e)) return true; // a random value with no CBOR form (e.g. beyond 2^53)
      throw e;
    }
    return onlyCoreErrors(token);
  }), { numRuns: RUNS });
  t.pass();
});
