/** The provider contract itself: capabilities, randomness, hashes, key generation, output types. */
import test from 'ava';
import { PROVIDERS } from '../helpers/providers.ts';
import { Alg, Curve } from '../../device/crypto/provider.ts';
import { nobleProvider } from '../../device/crypto/noble/provider.ts';
import { nodeProvider } from '../../device/crypto/node/provider.ts';
import { PublicKeyCache } from '../../device/crypto/node/keys.ts';
import { hex } from '../helpers/vectors.ts';
import { utf8Encode } from '../../device/codec/bytes.ts';
import { kindOf } from './helpers.ts';

/** A deterministic byte stream (not a CSPRNG): the simulator's kind of injected source. */
function seeded(seed: number): (length: number) => Uint8Array {
  let state = seed >>> 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      out[i] = state >>> 24;
    }
    return out;
  };
}

const ALL_ALGS = [Alg.ES256, Alg.EdDSA, Alg.ECDH_ES_HKDF_256, Alg.HMAC_256_64, Alg.HMAC_256_256, Alg.A128GCM,
  Alg.A256GCM, Alg.AES_CCM_16_64_128, Alg.AES_CCM_16_128_128, Alg.ChaCha20Poly1305, Alg.HKDF_SHA_256];

for (const p of PROVIDERS) {
  test(`${p.name} supports every algorithm and curve of the contract, and nothing else`, (t) => {
    for (const alg of ALL_ALGS) t.true(p.supports(alg), `alg ${alg}`);
    for (const alg of [0, -1, 2, 11, -35, -36, 31, 999]) t.false(p.supports(alg), `alg ${alg}`);
    for (const curve of [Curve.P256, Curve.X25519, Curve.Ed25519]) t.true(p.supportsCurve(curve));
    for (const curve of [0, 2, 3, 5, 7]) t.false(p.supportsCurve(curve));
  });

  test(`${p.name} sha256 (FIPS 180-2 "abc") and randomBytes`, (t) => {
    t.deepEqual(p.sha256(utf8Encode('abc')), hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'));
    t.is(p.randomBytes(0).length, 0);
    const a = p.randomBytes(32);
    t.is(a.length, 32);
    t.notDeepEqual(a, p.randomBytes(32));
    t.is(kindOf(() => p.randomBytes(-1)), 'bad_request');
  });

  test(`${p.name} returns plain Uint8Arrays (not Buffers)`, (t) => {
    const kp = p.generateKeyPair(Curve.P256);
    const outputs = [p.sha256(new Uint8Array(1)), p.hmacSha256(new Uint8Array(1), new Uint8Array(1)),
      p.hkdfSha256(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 16), p.randomBytes(4),
      p.aeadEncrypt(Alg.A128GCM, new Uint8Array(16), new Uint8Array(12), new Uint8Array(0), new Uint8Array(3)),
      p.sign(Alg.ES256, kp.privateKey, new Uint8Array(1)), kp.publicKey, kp.privateKey,
      p.ecdh(Curve.P256, kp.privateKey, kp.publicKey)];
    for (const o of outputs) t.is(Object.getPrototypeOf(o), Uint8Array.prototype);
  });

  test(`${p.name} generateKeyPair for each curve; publicKeyOf agrees; bad curves refused`, (t) => {
    for (const curve of [Curve.P256, Curve.X25519, Curve.Ed25519]) {
      const kp = p.generateKeyPair(curve);
      t.is(kp.curve, curve);
      t.is(kp.privateKey.length, 32);
      t.is(kp.publicKey.length, curve === Curve.P256 ? 65 : 32);
      t.deepEqual(p.publicKeyOf(curve, kp.privateKey), kp.publicKey);
    }
    t.is(kindOf(() => p.generateKeyPair(2 as Curve)), 'unsupported_algorithm');
    t.is(kindOf(() => p.publicKeyOf(7 as Curve, new Uint8Array(32))), 'unsupported_algorithm');
    t.is(kindOf(() => p.publicKeyOf(Curve.Ed25519, new Uint8Array(33))), 'malformed_key');
  });
}

test('an injected random source makes key generation reproducible, and equal on both providers', (t) => {
  const a = nobleProvider({ randomBytes: seeded(7) });
  const b = nodeProvider({ randomBytes: seeded(7) });
  for (const curve of [Curve.P256, Curve.X25519, Curve.Ed25519]) {
    t.deepEqual(a.generateKeyPair(curve), b.generateKeyPair(curve));
  }
  t.deepEqual(a.randomBytes(16), b.randomBytes(16));
});

test('P-256 key generation redraws scalars outside 1..n-1, and gives up on a broken source', (t) => {
  // first draw all ones (>= n), then zeros (0), then a valid scalar
  const draws = [new Uint8Array(32).fill(0xff), new Uint8Array(32), new Uint8Array(32).fill(1)];
  for (const make of [nobleProvider, nodeProvider]) {
    let i = 0;
    const p = make({ randomBytes: () => draws[i++].slice() });
    t.deepEqual(p.generateKeyPair(Curve.P256).privateKey, new Uint8Array(32).fill(1));
    const stuck = make({ randomBytes: (n) => new Uint8Array(n) });
    t.is(kindOf(() => stuck.generateKeyPair(Curve.P256)), 'internal');
  }
});

test('node public key cache: bounded, and the same answers with or without it', (t) => {
  const cached = nodeProvider({ publicKeyCacheSize: 2 });
  const uncached = nodeProvider({ publicKeyCacheSize: 0 });
  const msg = new Uint8Array([1, 2, 3]);
  const keys = [0, 1, 2, 3].map(() => cached.generateKeyPair(Curve.P256));
  for (let round = 0; round < 3; round++) {
    for (const kp of keys) {
      const sig = cached.sign(Alg.ES256, kp.privateKey, msg);
      t.true(cached.verify(Alg.ES256, kp.publicKey, msg, sig));
      t.true(uncached.verify(Alg.ES256, kp.publicKey, msg, sig));
      t.false(cached.verify(Alg.ES256, keys[(keys.indexOf(kp) + 1) % 4].publicKey, msg, sig));
    }
  }
});

test('PublicKeyCache keeps at most its limit, dropping the least recently used', (t) => {
  const cache = new PublicKeyCache(2);
  const keys = [0, 1, 2].map(() => PROVIDERS[0].generateKeyPair(Curve.Ed25519).publicKey);
  const first = cache.get(Curve.Ed25519, keys[0]);
  cache.get(Curve.Ed25519, keys[1]);
  t.is(cache.get(Curve.Ed25519, keys[0]), first, 'a hit returns the same KeyObject');
  cache.get(Curve.Ed25519, keys[2]); // drops keys[1], the least recently used
  t.is(cache.size, 2);
  t.is(cache.get(Curve.Ed25519, keys[0]), first);
  t.is(new PublicKeyCache(0).size, 0);
});
