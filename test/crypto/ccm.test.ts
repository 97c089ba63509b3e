/** AES-CCM: RFC 3610 §8 packet vectors #1–#24 through every provider, ccm.ts and node's native CCM. */
import test from 'ava';
import * as nc from 'node:crypto';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { AES_BLOCKS, PROVIDERS } from '../helpers/providers.ts';
import { ccmDecrypt, ccmEncrypt } from '../../device/crypto/ccm.ts';
import { Alg } from '../../device/crypto/provider.ts';
import { flip, kindOf } from './helpers.ts';

interface CcmVector {
  id: string; key: string; nonce: string; M: number; L: number;
  aad: string; plaintext: string; ciphertext_and_tag: string;
}
const VECTORS: CcmVector[] = loadVectors('rfc3610-aes-ccm.json').vectors;


/** node's native AES-CCM with any tag length, as an independent reference. */
function nativeCcm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, M: number): Uint8Array {
  const c = nc.createCipheriv('aes-128-ccm', key, nonce, { authTagLength: M });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
}

test('the vector file has all 24 packets, M=8 and M=10, L=2', (t) => {
  t.is(VECTORS.length, 24);
  t.is(VECTORS.filter((v) => v.M === 8).length, 12);
  t.is(VECTORS.filter((v) => v.M === 10).length, 12);
  t.true(VECTORS.every((v) => v.L === 2));
});

for (const v of VECTORS) {
  const key = hex(v.key);
  const nonce = hex(v.nonce);
  const aad = hex(v.aad);
  const plaintext = hex(v.plaintext);
  const expected = hex(v.ciphertext_and_tag);

  test(`RFC 3610 ${v.id} (M=${v.M}): node native CCM`, (t) => {
    t.deepEqual(nativeCcm(key, nonce, aad, plaintext, v.M), expected);
  });

  for (const p of PROVIDERS) {
    test(`RFC 3610 ${v.id} (M=${v.M}): ccm.ts on ${p.name}'s AES block`, (t) => {
      const block = AES_BLOCKS[p.name](key);
      t.deepEqual(ccmEncrypt(block, nonce, aad, plaintext, v.M), expected);
      t.deepEqual(ccmDecrypt(block, nonce, aad, expected, v.M), plaintext);
      t.is(ccmDecrypt(block, nonce, aad, flip(expected, expected.length - 1), v.M), null, 'tag');
      t.is(ccmDecrypt(block, nonce, aad, flip(expected, 0), v.M), null, 'ciphertext');
      t.is(ccmDecrypt(block, nonce, flip(aad, 0), expected, v.M), null, 'aad');
    });

    if (v.M !== 8) continue;
    test(`RFC 3610 ${v.id}: ${p.name} AES-CCM-16-64-128`, (t) => {
      const alg = Alg.AES_CCM_16_64_128;
      t.deepEqual(p.aeadEncrypt(alg, key, nonce, aad, plaintext), expected);
      t.deepEqual(p.aeadDecrypt(alg, key, nonce, aad, expected), plaintext);
      t.is(p.aeadDecrypt(alg, key, nonce, aad, flip(expected, expected.length - 1)), null, 'tag');
      t.is(p.aeadDecrypt(alg, key, nonce, aad, flip(expected, 0)), null, 'ciphertext');
      t.is(p.aeadDecrypt(alg, key, nonce, flip(aad, aad.length - 1), expected), null, 'aad');
      t.is(p.aeadDecrypt(alg, key, nonce, aad, expected.subarray(0, expected.length - 1)), null, 'truncated');
    });
  }
}

for (const name of Object.keys(AES_BLOCKS)) {
  const block = AES_BLOCKS[name](new Uint8Array(16).fill(7));

  test(`ccm.ts (${name}): the three AAD length encodings and long messages match node`, (t) => {
    const key = new Uint8Array(16).fill(7);
    const nonce = new Uint8Array(13).fill(3);
    // l(a) < 2^16-2^8 takes 2 bytes; from 0xff00 on, 0xff 0xfe and 4 bytes (RFC 3610 §2.2)
    for (const aadLength of [0, 1, 14, 15, 16, 17, 0xfeff, 0xff00, 0xff01]) {
      const aad = new Uint8Array(aadLength).fill(0xa5);
      const plaintext = new Uint8Array(37).fill(0x5a);
      t.deepEqual(ccmEncrypt(block, nonce, aad, plaintext, 8), nativeCcm(key, nonce, aad, plaintext, 8), `aad ${aadLength}`);
    }
    const big = new Uint8Array(5000).fill(1);
    t.deepEqual(ccmEncrypt(block, nonce, big, big, 16), nativeCcm(key, nonce, big, big, 16));
  });

  test(`ccm.ts (${name}): every L and M matches node, and round-trips`, (t) => {
    const key = new Uint8Array(16).fill(7);
    for (let L = 2; L <= 8; L++) {
      const nonce = new Uint8Array(15 - L).fill(L);
      for (let M = 4; M <= 16; M += 2) {
        for (const length of [0, 1, 16, 33]) {
          const plaintext = new Uint8Array(length).fill(M);
          const aad = new Uint8Array(L).fill(length);
          const sealed = ccmEncrypt(block, nonce, aad, plaintext, M);
          t.deepEqual(sealed, nativeCcm(key, nonce, aad, plaintext, M), `L=${L} M=${M} len=${length}`);
          t.deepEqual(ccmDecrypt(block, nonce, aad, sealed, M), plaintext);
        }
      }
    }
  });

  test(`ccm.ts (${name}): bad parameters`, (t) => {
    t.is(kindOf(() => ccmEncrypt(block, new Uint8Array(14), new Uint8Array(0), new Uint8Array(1), 8)), 'bad_request');
    t.is(kindOf(() => ccmEncrypt(block, new Uint8Array(6), new Uint8Array(0), new Uint8Array(1), 8)), 'bad_request');
    for (const M of [0, 2, 5, 18]) {
      t.is(kindOf(() => ccmEncrypt(block, new Uint8Array(13), new Uint8Array(0), new Uint8Array(1), M)), 'unsupported_algorithm');
      t.is(kindOf(() => ccmDecrypt(block, new Uint8Array(13), new Uint8Array(0), new Uint8Array(20), M)), 'unsupported_algorithm');
    }
    // L=2 holds fewer than 2^16 bytes
    t.is(kindOf(() => ccmEncrypt(block, new Uint8Array(13), new Uint8Array(0), new Uint8Array(65536), 8)), 'too_large');
    t.is(ccmEncrypt(block, new Uint8Array(13), new Uint8Array(0), new Uint8Array(65535), 8).length, 65543);
    t.is(ccmDecrypt(block, new Uint8Array(13), new Uint8Array(0), new Uint8Array(7), 8), null, 'shorter than the tag');
    t.is(ccmDecrypt(block, new Uint8Array(13), new Uint8Array(0), new Uint8Array(65544), 8), null, 'beyond the length field');
  });
}
