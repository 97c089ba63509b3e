/** Property tests (fast-check, bounded runs): providers agree on random inputs; mutations fail. */
import test from 'ava';
import fc from 'fast-check';
import * as nc from 'node:crypto';
import { PROVIDERS } from '../helpers/providers.ts';
import { Alg, Curve, aeadParams } from '../../device/crypto/provider.ts';
import { ccmDecrypt, ccmEncrypt } from '../../device/crypto/ccm.ts';
import { nobleAesBlock } from '../../device/crypto/noble/provider.ts';
import { hkdf } from '../../device/crypto/hkdf.ts';
import { hmac, hmacOver } from '../../device/crypto/hmac.ts';
import { kindOf } from './helpers.ts';

const [FIRST] = PROVIDERS;
const RUNS = { numRuns: 60 };
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
/** A position (taken modulo the length) and a non-zero XOR mask. */
const mutation = fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) });

function mutate(data: Uint8Array, m: { at: number; mask: number }): Uint8Array {
  const out = data.slice();
  out[m.at % out.length] ^= m.mask;
  return out;
}

const AEADS = [Alg.AES_CCM_16_64_128, Alg.AES_CCM_16_128_128, Alg.A128GCM, Alg.A256GCM, Alg.ChaCha20Poly1305];

for (const alg of AEADS) {
  const params = aeadParams(alg)!;
  test(`alg ${alg}: random inputs seal identically on every provider, open back, and mutations fail`, (t) => {
    fc.assert(fc.property(
      bytes(params.keyLength, params.keyLength), bytes(params.nonceLength, params.nonceLength),
      bytes(0, 48), bytes(0, 200), mutation, mutation,
      (key, nonce, aad, plaintext, m1, m2) => {
        const sealed = FIRST.aeadEncrypt(alg, key, nonce, aad, plaintext);
        for (const p of PROVIDERS) {
          t.deepEqual(p.aeadEncrypt(alg, key, nonce, aad, plaintext), sealed);
          t.deepEqual(p.aeadDecrypt(alg, key, nonce, aad, sealed), plaintext);
          t.is(p.aeadDecrypt(alg, key, nonce, aad, mutate(sealed, m1)), null);
          if (aad.length > 0) t.is(p.aeadDecrypt(alg, key, nonce, mutate(aad, m2), sealed), null);
          t.is(p.aeadDecrypt(alg, key, nonce, aad, sealed.subarray(0, m2.at % sealed.length)), null);
        }
      }), RUNS);
  });
}

test('ccm.ts with any L and M equals node native CCM, and mutations fail', (t) => {
  fc.assert(fc.property(
    fc.integer({ min: 2, max: 8 }), fc.integer({ min: 2, max: 8 }), bytes(16, 16), bytes(13, 13),
    bytes(0, 40), bytes(0, 100), mutation,
    (L, halfM, key, nonceBytes, aad, plaintext, m) => {
      const M = 2 * halfM;
      const nonce = nonceBytes.subarray(0, 15 - L);
      const c = nc.createCipheriv('aes-128-ccm', key, nonce, { authTagLength: M });
      c.setAAD(aad, { plaintextLength: plaintext.length });
      const expected = new Uint8Array(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
      const block = nobleAesBlock(key);
      const sealed = ccmEncrypt(block, nonce, aad, plaintext, M);
      t.deepEqual(sealed, expected);
      t.deepEqual(ccmDecrypt(block, nonce, aad, sealed, M), plaintext);
      t.is(ccmDecrypt(block, nonce, aad, mutate(sealed, m), M), null);
    }), RUNS);
});

test('HMAC and HKDF: every provider and the portable code agree on random inputs', (t) => {
  fc.assert(fc.property(bytes(0, 150), bytes(0, 100), bytes(0, 40), bytes(0, 40), fc.integer({ min: 0, max: 300 }),
    (key, data, salt, info, length) => {
      const mac = hmac(FIRST.sha256, key, data);
      const okm = hkdf(hmacOver(FIRST.sha256), 32, key, salt, info, length);
      for (const p of PROVIDERS) {
        t.deepEqual(p.hmacSha256(key, data), mac);
        t.deepEqual(p.hkdfSha256(key, salt, info, length), okm);
      }
    }), RUNS);
});

test('X25519: for any 32-byte peer key, the providers give the same secret or both refuse it', (t) => {
  const keys = PROVIDERS.map(() => FIRST.generateKeyPair(Curve.X25519).privateKey);
  fc.assert(fc.property(bytes(32, 32), fc.nat({ max: keys.length - 1 }), (peer, k) => {
    const answers = PROVIDERS.map((p) => {
      try {
        return p.ecdh(Curve.X25519, keys[k], peer);
      } catch (e) {
        return kindOf(() => { throw e; });
      }
    });
    for (const a of answers) t.deepEqual(a, answers[0]);
  }), RUNS);
});

test('P-256: a mutated public key is refused by every provider, or agreed on', (t) => {
  const me = FIRST.generateKeyPair(Curve.P256);
  const peer = FIRST.generateKeyPair(Curve.P256);
  fc.assert(fc.property(mutation, (m) => {
    const bad = mutate(peer.publicKey, m);
    const answers = PROVIDERS.map((p) => {
      try {
        return p.ecdh(Curve.P256, me.privateKey, bad);
      } catch (e) {
        return kindOf(() => { throw e; });
      }
    });
    for (const a of answers) t.deepEqual(a, 'malformed_key'); // a flipped coordinate leaves the curve
  }), { numRuns: 30 });
});

test('signatures: cross-provider verification; mutated messages, signatures and keys fail', (t) => {
  const ed = FIRST.generateKeyPair(Curve.Ed25519);
  const es = FIRST.generateKeyPair(Curve.P256);
  fc.assert(fc.property(bytes(0, 100), mutation, mutation, (msg, m1, m2) => {
    for (const [alg, kp] of [[Alg.EdDSA, ed], [Alg.ES256, es]] as const) {
      for (const signer of PROVIDERS) {
        const sig = signer.sign(alg, kp.privateKey, msg);
        for (const verifier of PROVIDERS) {
          t.true(verifier.verify(alg, kp.publicKey, msg, sig));
          t.false(verifier.verify(alg, kp.publicKey, msg, mutate(sig, m1)));
          t.false(verifier.verify(alg, mutate(kp.publicKey, m2), msg, sig));
          if (msg.length > 0) t.false(verifier.verify(alg, kp.publicKey, mutate(msg, m2), sig));
        }
      }
    }
  }), { numRuns: 15 });
});

test('verify never throws on arbitrary keys and signatures', (t) => {
  fc.assert(fc.property(fc.constantFrom(Alg.EdDSA, Alg.ES256), bytes(0, 70), bytes(0, 70), bytes(0, 10),
    (alg, key, sig, msg) => {
      for (const p of PROVIDERS) t.false(p.verify(alg, key, msg, sig));
    }), RUNS);
});
