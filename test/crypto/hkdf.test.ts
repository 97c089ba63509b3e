/** HMAC and HKDF: RFC 5869 Appendix A through every provider and the portable hmac.ts/hkdf.ts. */
import test from 'ava';
import { sha1 } from '@noble/hashes/legacy.js';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { hmac, hmacOver } from '../../device/crypto/hmac.ts';
import { hkdf, hkdfExpand, hkdfExtract } from '../../device/crypto/hkdf.ts';
import { kindOf } from './helpers.ts';

interface HkdfVector { id: string; hash: string; ikm: string; salt: string | null; info: string; L: number; prk: string; okm: string }
const VECTORS: HkdfVector[] = loadVectors('rfc5869-hkdf.json').vectors;
const SHA256_CASES = VECTORS.filter((v) => v.hash === 'SHA-256');
const SHA1_CASES = VECTORS.filter((v) => v.hash === 'SHA-1');

/** Test Case 7 has no salt (null), which RFC 5869 §2.2 also defines as HashLen zeros. */
function saltOf(v: HkdfVector): Uint8Array {
  return v.salt === null ? new Uint8Array(0) : hex(v.salt);
}

test('the vector file has test cases 1-3 (SHA-256) and 4-7 (SHA-1)', (t) => {
  t.deepEqual(SHA256_CASES.map((v) => v.id), ['Test Case 1', 'Test Case 2', 'Test Case 3']);
  t.deepEqual(SHA1_CASES.map((v) => v.id), ['Test Case 4', 'Test Case 5', 'Test Case 6', 'Test Case 7']);
});

for (const p of PROVIDERS) {
  for (const v of SHA256_CASES) {
    test(`RFC 5869 ${v.id}: ${p.name} hkdfSha256 and hmacSha256`, (t) => {
      const salt = saltOf(v);
      t.deepEqual(p.hkdfSha256(hex(v.ikm), salt, hex(v.info), v.L), hex(v.okm));
      // PRK = HMAC-Hash(salt, IKM), an empty salt being HashLen zeros (Test Case 3)
      t.deepEqual(p.hmacSha256(salt.length ? salt : new Uint8Array(32), hex(v.ikm)), hex(v.prk));
    });

    test(`RFC 5869 ${v.id}: portable hkdf.ts over ${p.name}'s sha256`, (t) => {
      const mac = hmacOver(p.sha256);
      t.deepEqual(hkdfExtract(mac, 32, saltOf(v), hex(v.ikm)), hex(v.prk));
      t.deepEqual(hkdf(mac, 32, hex(v.ikm), saltOf(v), hex(v.info), v.L), hex(v.okm));
    });
  }

  test(`${p.name} hkdfSha256: lengths 0 and 255*32 work, 255*32+1 and bad types are refused`, (t) => {
    const e = new Uint8Array(0);
    t.is(p.hkdfSha256(e, e, e, 0).length, 0);
    t.deepEqual(p.hkdfSha256(e, e, e, 8160), hkdf(hmacOver(p.sha256), 32, e, e, e, 8160));
    t.is(kindOf(() => p.hkdfSha256(e, e, e, 8161)), 'bad_request');
    t.is(kindOf(() => p.hkdfSha256(e, e, e, -1)), 'bad_request');
    t.is(kindOf(() => p.hkdfSha256(e, e, e, 1.5)), 'bad_request');
    t.is(kindOf(() => p.hkdfSha256('x' as unknown as Uint8Array, e, e, 16)), 'bad_request');
  });

  test(`${p.name} hmacSha256 equals portable hmac.ts for keys around the block size`, (t) => {
    const data = new Uint8Array(100).fill(0x42);
    for (const length of [0, 1, 32, 63, 64, 65, 200]) {
      const key = new Uint8Array(length).fill(length);
      t.deepEqual(p.hmacSha256(key, data), hmac(p.sha256, key, data), `key ${length}`);
    }
  });
}

for (const v of SHA1_CASES) {
  test(`RFC 5869 ${v.id}: portable hkdf.ts over noble's sha1`, (t) => {
    const mac = hmacOver(sha1);
    t.deepEqual(hkdfExtract(mac, 20, saltOf(v), hex(v.ikm)), hex(v.prk));
    t.deepEqual(hkdfExpand(mac, 20, hex(v.prk), hex(v.info), v.L), hex(v.okm));
    t.deepEqual(hkdf(mac, 20, hex(v.ikm), saltOf(v), hex(v.info), v.L), hex(v.okm));
  });
}

test('hkdfExpand refuses more than 255*HashLen bytes', (t) => {
  t.is(kindOf(() => hkdfExpand(hmacOver(sha1), 20, new Uint8Array(20), new Uint8Array(0), 255 * 20 + 1)), 'bad_request');
  t.is(hkdfExpand(hmacOver(sha1), 20, new Uint8Array(20), new Uint8Array(0), 255 * 20).length, 5100);
});
