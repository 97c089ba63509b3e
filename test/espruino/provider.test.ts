/**
 * The Espruino provider (device/crypto/espruino/provider.ts) over a Node stand-in of Espruino's
 * `crypto` module: RFC 3610 M=8 packets through AES-CCM-16-64-128, RFC 5869 cases 1-3, RFC 8613
 * C.1-C.8 byte for byte, and the refusal of public-key crypto.
 */
import test from 'ava';
import * as nc from 'node:crypto';
import { toHex } from '../../device/codec/bytes.ts';
import { decode, encodeParts } from '../../device/coap/message.ts';
import type { CoapMessage } from '../../device/coap/interfaces.ts';
import { espruinoProvider } from '../../device/crypto/espruino/provider.ts';
import { Alg, Curve } from '../../device/crypto/provider.ts';
import { nodeProvider } from '../../device/crypto/node/provider.ts';
import { MemoryStorage } from '../../device/storage.ts';
import { SecurityContext, deriveKeys } from '../../device/oscore/context.ts';
import { nonceFor } from '../../device/oscore/nonce.ts';
import { protectResponse, sealRequest } from '../../device/oscore/protect.ts';
import type { MessageContent } from '../../device/oscore/protect.ts';
import { ContextTable } from '../../device/oscore/table.ts';
import { unprotectResponse, verifyRequest } from '../../device/oscore/unprotect.ts';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { flip, kindOf } from '../crypto/helpers.ts';
import { espruinoCryptoShim } from './espruino-crypto-shim.ts';

const p = espruinoProvider(espruinoCryptoShim, (n) => new Uint8Array(nc.randomBytes(n)));

interface CcmVector { id: string; key: string; nonce: string; M: number; aad: string; plaintext: string; ciphertext_and_tag: string }
const CCM: CcmVector[] = loadVectors('rfc3610-aes-ccm.json').vectors.filter((v: CcmVector) => v.M === 8);

for (const v of CCM) {
  test(`RFC 3610 ${v.id}: espruino AES-CCM-16-64-128`, (t) => {
    const alg = Alg.AES_CCM_16_64_128;
    const key = hex(v.key), nonce = hex(v.nonce), aad = hex(v.aad), plaintext = hex(v.plaintext);
    const expected = hex(v.ciphertext_and_tag);
    t.deepEqual(p.aeadEncrypt(alg, key, nonce, aad, plaintext), expected);
    t.deepEqual(p.aeadDecrypt(alg, key, nonce, aad, expected), plaintext);
    t.is(p.aeadDecrypt(alg, key, nonce, aad, flip(expected, expected.length - 1)), null, 'tag');
    t.is(p.aeadDecrypt(alg, key, nonce, flip(aad, 0), expected), null, 'aad');
  });
}

test('espruino AES-CCM-16-128-128 agrees with the node provider', (t) => {
  const n = nodeProvider();
  const key = new Uint8Array(16).fill(7), nonce = new Uint8Array(13).fill(9);
  const aad = new Uint8Array(40).fill(3), pt = new Uint8Array(77).fill(5);
  const sealed = p.aeadEncrypt(Alg.AES_CCM_16_128_128, key, nonce, aad, pt);
  t.deepEqual(sealed, n.aeadEncrypt(Alg.AES_CCM_16_128_128, key, nonce, aad, pt));
  t.deepEqual(p.aeadDecrypt(Alg.AES_CCM_16_128_128, key, nonce, aad, sealed), pt);
});

interface HkdfVector { id: string; hash: string; ikm: string; salt: string | null; info: string; L: number; prk: string; okm: string }
const HKDF: HkdfVector[] = loadVectors('rfc5869-hkdf.json').vectors.filter((v: HkdfVector) => v.hash === 'SHA-256');

test('RFC 5869 has cases 1-3 for SHA-256', (t) => t.is(HKDF.length, 3));
for (const v of HKDF) {
  test(`RFC 5869 ${v.id}: espruino hkdfSha256 and hmacSha256`, (t) => {
    const salt = v.salt === null ? new Uint8Array(0) : hex(v.salt);
    t.deepEqual(p.hkdfSha256(hex(v.ikm), salt, hex(v.info), v.L), hex(v.okm));
    t.deepEqual(p.hmacSha256(salt.length ? salt : new Uint8Array(32), hex(v.ikm)), hex(v.prk));
  });
}

test('supports only the symmetric algorithms, and refuses public-key crypto with unsupported_algorithm', (t) => {
  for (const alg of [10, 30, 4, 5, -10]) t.true(p.supports(alg), String(alg));
  for (const alg of [-7, -8, -25, 1, 3, 24]) t.false(p.supports(alg), String(alg));
  t.false(p.supportsCurve(Curve.Ed25519));
  const e = new Uint8Array(32);
  t.is(kindOf(() => p.sign(Alg.EdDSA, e, e)), 'unsupported_algorithm');
  t.is(kindOf(() => p.verify(Alg.ES256, e, e, e)), 'unsupported_algorithm');
  t.is(kindOf(() => p.ecdh(Curve.X25519, e, e)), 'unsupported_algorithm');
  t.is(kindOf(() => p.generateKeyPair(Curve.P256)), 'unsupported_algorithm');
  t.is(kindOf(() => p.aeadEncrypt(Alg.A128GCM, new Uint8Array(16), new Uint8Array(12), e, e)), 'unsupported_algorithm');
  t.is(kindOf(() => p.aeadEncrypt(Alg.AES_CCM_16_64_128, new Uint8Array(15), new Uint8Array(13), e, e)), 'malformed_key');
  t.is(p.randomBytes(5).length, 5);
});

// RFC 8613 Appendix C
const V = loadVectors('rfc8613-oscore.json');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const byId = (id: string): any => [...V.key_derivation, ...V.message_protection].find((v) => v.id === id);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function inputOf(k: any) {
  const i = k.inputs;
  return {
    masterSecret: hex(i.master_secret),
    masterSalt: i.master_salt === null ? undefined : hex(i.master_salt),
    senderId: hex(i.sender_id),
    recipientId: hex(i.recipient_id),
    idContext: i.id_context === null ? null : hex(i.id_context),
    aeadAlg: i.aead_alg,
  };
}
const context = (id: string) => new SecurityContext(p, inputOf(byId(id)), { storage: new MemoryStorage(), storageKey: 'seq' });
const content = (m: CoapMessage): MessageContent => ({ code: m.code, options: m.options, payload: m.payload });
const withContent = (m: CoapMessage, c: MessageContent) => toHex(encodeParts(m.type, c.code, m.messageId, m.token, c.options, c.payload));

for (const k of V.key_derivation) {
  test(`RFC 8613 ${k.id} key derivation (${k.role}) [espruino]`, (t) => {
    const keys = deriveKeys(p, inputOf(k));
    t.is(toHex(keys.senderKey), k.outputs.sender_key);
    t.is(toHex(keys.recipientKey), k.outputs.recipient_key);
    t.is(toHex(keys.commonIv), k.outputs.common_iv);
    const ctx = new SecurityContext(p, inputOf(k), { storage: new MemoryStorage(), storageKey: 's' });
    t.is(toHex(nonceFor(ctx.sender.nonceBase, hex('00'))), k.sender_nonce_partial_iv_0);
  });
}

const CONTEXTS: { [id: string]: { client: string; server: string } } = {
  'C.4': { client: 'C.1.1', server: 'C.1.2' },
  'C.5': { client: 'C.2.1', server: 'C.2.2' },
  'C.6': { client: 'C.3.1', server: 'C.3.2' },
};
for (const id of ['C.4', 'C.5', 'C.6']) {
  test(`RFC 8613 ${id} request byte for byte and verified back [espruino]`, (t) => {
    const v = byId(id);
    const plain = decode(hex(v.unprotected_coap_message));
    const sealed = sealRequest(context(CONTEXTS[id].client).sender, content(plain), v.sender_context.sender_sequence_number, v.kid_context !== null);
    t.is(toHex(sealed.binding.nonce), v.nonce);
    t.is(withContent(plain, sealed.message), v.protected_coap_message);
    const table = new ContextTable();
    table.add(context(CONTEXTS[id].server));
    const prot = decode(hex(v.protected_coap_message));
    t.is(withContent(prot, verifyRequest(table, content(prot)).request), v.unprotected_coap_message);
  });
}
for (const id of ['C.7', 'C.8']) {
  test(`RFC 8613 ${id} response byte for byte and verified by the client [espruino]`, (t) => {
    const v = byId(id);
    const request = byId(v.request_vector);
    const table = new ContextTable();
    const server = context('C.1.2');
    table.add(server);
    const verified = verifyRequest(table, content(decode(hex(request.protected_coap_message))));
    const plain = decode(hex(v.unprotected_coap_message));
    const response = protectResponse(server.sender, verified.binding, content(plain), v.partial_iv !== null);
    t.is(withContent(plain, response), v.protected_coap_message);
    const client = context('C.1.1');
    const sent = sealRequest(client.sender, content(decode(hex(request.unprotected_coap_message))), 20, false);
    const prot = decode(hex(v.protected_coap_message));
    t.is(withContent(prot, unprotectResponse(client.recipient, sent.binding, content(prot))), v.unprotected_coap_message);
  });
}
