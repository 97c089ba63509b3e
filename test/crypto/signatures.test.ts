/** EdDSA (RFC 8032 §7.1 vectors) and ES256 on every provider, and across providers. */
import test from 'ava';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { Alg, Curve } from '../../device/crypto/provider.ts';
import { flip, kindOf } from './helpers.ts';

interface EdVector { id: string; secret_key: string; public_key: string; message: string; signature: string }
const ED_VECTORS: EdVector[] = loadVectors('rfc8032-ed25519.json').vectors;

/** ECDSA with P-256 gives s above n/2 half of the time; ES256 does not normalize it (RFC 9053 §2.1). */
const P256_HALF_ORDER = hex('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8');

function isHighS(signature: Uint8Array): boolean {
  const s = signature.subarray(32);
  for (let i = 0; i < 32; i++) if (s[i] !== P256_HALF_ORDER[i]) return s[i] > P256_HALF_ORDER[i];
  return false;
}

test('the vector file has the five RFC 8032 §7.1 tests', (t) => {
  t.deepEqual(ED_VECTORS.map((v) => v.id), ['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
});

for (const p of PROVIDERS) {
  for (const v of ED_VECTORS) {
    test(`RFC 8032 ${v.id}: ${p.name} Ed25519`, (t) => {
      const seed = hex(v.secret_key);
      const pub = hex(v.public_key);
      const msg = hex(v.message);
      const sig = hex(v.signature);
      t.deepEqual(p.publicKeyOf(Curve.Ed25519, seed), pub);
      t.deepEqual(p.sign(Alg.EdDSA, seed, msg), sig);
      t.true(p.verify(Alg.EdDSA, pub, msg, sig));
      t.false(p.verify(Alg.EdDSA, pub, msg, flip(sig, 0)), 'R');
      t.false(p.verify(Alg.EdDSA, pub, msg, flip(sig, 63)), 'S');
      t.false(p.verify(Alg.EdDSA, flip(pub, 5), msg, sig), 'key');
      t.false(p.verify(Alg.EdDSA, pub, msg.length ? flip(msg, 0) : new Uint8Array(1), sig), 'message');
    });
  }

  test(`${p.name} verify is false, never a throw, for malformed signatures and keys`, (t) => {
    const ed = ED_VECTORS[0];
    const msg = hex(ed.message);
    const sig = hex(ed.signature);
    const pub = hex(ed.public_key);
    for (const alg of [Alg.EdDSA, Alg.ES256]) {
      t.false(p.verify(alg, pub, msg, sig.subarray(0, 63)), 'short signature');
      t.false(p.verify(alg, pub, msg, new Uint8Array(65)), 'long signature');
      t.false(p.verify(alg, new Uint8Array(0), msg, sig), 'empty key');
      t.false(p.verify(alg, new Uint8Array(64), msg, sig), 'wrong key length');
      t.false(p.verify(alg, pub, msg, new Uint8Array(64)), 'zero signature');
      t.false(p.verify(alg, pub, msg, new Uint8Array(64).fill(0xff)), 'signature scalars out of range');
      t.false(p.verify(alg, null as unknown as Uint8Array, msg, sig), 'not bytes');
    }
    // Ed25519: a y with no x on the curve; S >= L
    t.false(p.verify(Alg.EdDSA, hex('02' + '00'.repeat(31)), msg, sig), 'not a point');
    const bigS = sig.slice();
    bigS.set(new Uint8Array(32).fill(0xff), 32);
    t.false(p.verify(Alg.EdDSA, pub, msg, bigS));
    // P-256: off the curve, compressed, the point at infinity
    const es = p.generateKeyPair(Curve.P256);
    const esSig = p.sign(Alg.ES256, es.privateKey, msg);
    t.true(p.verify(Alg.ES256, es.publicKey, msg, esSig));
    t.false(p.verify(Alg.ES256, flip(es.publicKey, 64), msg, esSig), 'off the curve');
    t.false(p.verify(Alg.ES256, es.publicKey.subarray(0, 33), msg, esSig), 'compressed');
    t.false(p.verify(Alg.ES256, new Uint8Array(65), msg, esSig), 'zeros');
  });

  test(`${p.name} sign and verify refuse unknown algorithms and bad private keys`, (t) => {
    const msg = new Uint8Array(3);
    t.is(kindOf(() => p.sign(Alg.HMAC_256_64, new Uint8Array(32), msg)), 'unsupported_algorithm');
    t.is(kindOf(() => p.verify(Alg.A128GCM, new Uint8Array(32), msg, new Uint8Array(64))), 'unsupported_algorithm');
    t.is(kindOf(() => p.sign(Alg.EdDSA, new Uint8Array(31), msg)), 'malformed_key');
    t.is(kindOf(() => p.sign(Alg.ES256, new Uint8Array(32), msg)), 'malformed_key', 'd = 0');
    t.is(kindOf(() => p.sign(Alg.ES256, new Uint8Array(32).fill(0xff), msg)), 'malformed_key', 'd >= n');
    t.is(kindOf(() => p.sign(Alg.EdDSA, new Uint8Array(32), 'abc' as unknown as Uint8Array)), 'bad_request');
  });

  test(`${p.name} ES256: round trip, r || s of 64 bytes, tampering fails`, (t) => {
    const kp = p.generateKeyPair(Curve.P256);
    t.is(kp.publicKey.length, 65);
    t.is(kp.publicKey[0], 4);
    t.deepEqual(p.publicKeyOf(Curve.P256, kp.privateKey), kp.publicKey);
    for (const length of [0, 1, 100]) {
      const msg = new Uint8Array(length).fill(length);
      const sig = p.sign(Alg.ES256, kp.privateKey, msg);
      t.is(sig.length, 64);
      t.true(p.verify(Alg.ES256, kp.publicKey, msg, sig));
      t.false(p.verify(Alg.ES256, kp.publicKey, msg, flip(sig, 10)));
      t.false(p.verify(Alg.ES256, kp.publicKey, msg, flip(sig, 40)));
      t.false(p.verify(Alg.ES256, kp.publicKey, new Uint8Array(length + 1), sig));
    }
  });
}

for (const signer of PROVIDERS) {
  for (const verifier of PROVIDERS) {
    if (signer === verifier) continue;
    test(`ES256 and EdDSA: ${signer.name} signs, ${verifier.name} verifies (high and low s)`, (t) => {
      const es = signer.generateKeyPair(Curve.P256);
      const ed = signer.generateKeyPair(Curve.Ed25519);
      t.deepEqual(verifier.publicKeyOf(Curve.P256, es.privateKey), es.publicKey);
      t.deepEqual(verifier.publicKeyOf(Curve.Ed25519, ed.privateKey), ed.publicKey);
      let high = 0;
      for (let i = 0; i < 24; i++) {
        const msg = new Uint8Array([i, 1, 2, 3]);
        const sig = signer.sign(Alg.ES256, es.privateKey, msg);
        if (isHighS(sig)) high++;
        t.true(verifier.verify(Alg.ES256, es.publicKey, msg, sig), `ES256 message ${i}`);
        t.true(verifier.verify(Alg.EdDSA, ed.publicKey, msg, signer.sign(Alg.EdDSA, ed.privateKey, msg)));
      }
      t.true(high > 0, "a high s was verified"); // fails with probability 2^-24
      t.log(`${high} of 24 ES256 signatures had s > n/2`);
    });
  }
}
