/** The five AEADs on every provider: round trips, cross-provider equality, tampering, bad input. */
import test from 'ava';
import { PROVIDERS } from '../helpers/providers.ts';
import { Alg, aeadParams } from '../../device/crypto/provider.ts';
import { flip, kindOf } from './helpers.ts';

const AEADS = [Alg.AES_CCM_16_64_128, Alg.AES_CCM_16_128_128, Alg.A128GCM, Alg.A256GCM, Alg.ChaCha20Poly1305];

function filled(length: number, start: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (start + i * 7) & 0xff;
  return out;
}

for (const alg of AEADS) {
  const params = aeadParams(alg)!;
  const key = filled(params.keyLength, 1);
  const nonce = filled(params.nonceLength, 2);

  test(`alg ${alg}: every provider gives the same ciphertext and opens the others'`, (t) => {
    for (const length of [0, 1, 15, 16, 17, 64, 1000]) {
      const plaintext = filled(length, 3);
      const aad = filled(length % 20, 4);
      const sealed = PROVIDERS.map((p) => p.aeadEncrypt(alg, key, nonce, aad, plaintext));
      t.is(sealed[0].length, length + params.tagLength);
      for (const s of sealed) t.deepEqual(s, sealed[0], `length ${length}`);
      for (const p of PROVIDERS) t.deepEqual(p.aeadDecrypt(alg, key, nonce, aad, sealed[0]), plaintext);
    }
  });

  for (const p of PROVIDERS) {
    test(`alg ${alg} on ${p.name}: tampering and truncation give null`, (t) => {
      const aad = filled(9, 5);
      const sealed = p.aeadEncrypt(alg, key, nonce, aad, filled(40, 6));
      t.is(p.aeadDecrypt(alg, key, nonce, aad, flip(sealed, 0)), null, 'ciphertext');
      t.is(p.aeadDecrypt(alg, key, nonce, aad, flip(sealed, sealed.length - 1)), null, 'tag');
      t.is(p.aeadDecrypt(alg, key, nonce, flip(aad, 3), sealed), null, 'aad');
      t.is(p.aeadDecrypt(alg, key, flip(nonce, 0), aad, sealed), null, 'nonce');
      t.is(p.aeadDecrypt(alg, flip(key, 0), nonce, aad, sealed), null, 'key');
      t.is(p.aeadDecrypt(alg, key, nonce, aad, sealed.subarray(0, sealed.length - 1)), null, 'truncated');
      t.is(p.aeadDecrypt(alg, key, nonce, aad, new Uint8Array(params.tagLength - 1)), null, 'shorter than a tag');
      t.is(p.aeadDecrypt(alg, key, nonce, aad, new Uint8Array(0)), null, 'empty');
    });

    test(`alg ${alg} on ${p.name}: wrong key or nonce lengths are refused`, (t) => {
      const e = new Uint8Array(0);
      t.is(kindOf(() => p.aeadEncrypt(alg, key.subarray(1), nonce, e, e)), 'malformed_key');
      t.is(kindOf(() => p.aeadDecrypt(alg, new Uint8Array(params.keyLength + 1), nonce, e, e)), 'malformed_key');
      t.is(kindOf(() => p.aeadEncrypt(alg, key, nonce.subarray(1), e, e)), 'bad_request');
      t.is(kindOf(() => p.aeadDecrypt(alg, key, new Uint8Array(16), e, new Uint8Array(32))), 'bad_request');
      t.is(kindOf(() => p.aeadEncrypt(alg, key, nonce, 'x' as unknown as Uint8Array, e)), 'bad_request');
    });
  }
}

for (const p of PROVIDERS) {
  test(`${p.name}: unknown AEADs are unsupported_algorithm`, (t) => {
    const e = new Uint8Array(0);
    for (const alg of [Alg.EdDSA, Alg.HMAC_256_64, 0, 2, 11, 999]) {
      t.is(kindOf(() => p.aeadEncrypt(alg, new Uint8Array(16), new Uint8Array(13), e, e)), 'unsupported_algorithm');
      t.is(kindOf(() => p.aeadDecrypt(alg, new Uint8Array(16), new Uint8Array(13), e, new Uint8Array(16))), 'unsupported_algorithm');
    }
  });
}

for (const p of PROVIDERS) {
  test(`${p.name}: empty inputs whose buffer was materialized still seal (node CCM passes NULL for them)`, (t) => {
    for (const alg of AEADS) {
      const params = aeadParams(alg)!;
      const key = filled(params.keyLength, 1);
      const nonce = filled(params.nonceLength, 2);
      const empty = new Uint8Array(0);
      void empty.buffer; // the ArrayBuffer now exists, with no backing store
      const sealed = p.aeadEncrypt(alg, key, nonce, empty, empty);
      t.deepEqual(sealed, p.aeadEncrypt(alg, key, nonce, new Uint8Array(0), new Uint8Array(0)));
      t.deepEqual(p.aeadDecrypt(alg, key, nonce, empty, sealed), new Uint8Array(0));
    }
  });
}

for (const p of PROVIDERS) {
  test(`${p.name}: AES-CCM-16 (L=2) refuses 2^16-byte messages and cannot open longer ones`, (t) => {
    const key = new Uint8Array(16);
    const nonce = new Uint8Array(13);
    const e = new Uint8Array(0);
    for (const alg of [Alg.AES_CCM_16_64_128, Alg.AES_CCM_16_128_128]) {
      const tagLength = aeadParams(alg)!.tagLength;
      t.is(p.aeadEncrypt(alg, key, nonce, e, new Uint8Array(65535)).length, 65535 + tagLength);
      t.is(kindOf(() => p.aeadEncrypt(alg, key, nonce, e, new Uint8Array(65536))), 'too_large');
      t.is(p.aeadDecrypt(alg, key, nonce, e, new Uint8Array(65536 + tagLength)), null);
    }
    // GCM and ChaCha20/Poly1305 take such messages
    t.is(p.aeadEncrypt(Alg.A128GCM, key, new Uint8Array(12), e, new Uint8Array(65536)).length, 65552);
  });
}
