/** ECDH (X25519, P-256) against the EDHOC traces (RFC 9529), across providers, and invalid peers. */
import test from 'ava';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { Curve } from '../../device/crypto/provider.ts';
import { kindOf } from './helpers.ts';

interface TraceEntry { section: string; name: string; encoding: string; hex: string }
const TRACES = loadVectors('rfc9529-edhoc-traces.json');

function entry(trace: string, name: string, section?: string): Uint8Array {
  const list: TraceEntry[] = TRACES[trace];
  const found = list.filter((e) => e.name === name && (e.encoding === 'Raw Value' || e.encoding === 'ECDH shared secret') &&
    (section === undefined || e.section === section));
  if (found.length !== 1) throw new Error(`${trace}: ${name} found ${found.length} times`);
  return hex(found[0].hex);
}

/** Trace 1: X25519 ephemeral keys (cipher suite 0). */
const T1 = 'trace_1_method_0';
const X1 = entry(T1, "Initiator's ephemeral private key X");
const GX1 = entry(T1, "Initiator's ephemeral public key G_X");
const Y1 = entry(T1, "Responder's ephemeral private key Y");
const GY1 = entry(T1, "Responder's ephemeral public key G_Y");
const GXY1 = entry(T1, 'G_XY (Raw Value)');

/** Trace 2 prints P-256 public keys as x and y: the raw key is 04 || x || y. */
function point(trace: string, xName: string, yName: string, section?: string): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 0x04;
  out.set(entry(trace, xName, section), 1);
  out.set(entry(trace, yName, section), 33);
  return out;
}

/** Trace 2: P-256 (cipher suite 2), with the second message_1, whose X the exchange completes with. */
const T2 = 'trace_2_method_3';
const M1 = 'message_1 (second time)';
const X2 = entry(T2, "Initiator's ephemeral private key X", M1);
const GX2 = point(T2, "Initiator's ephemeral public key, 'x'-coordinate G_X", "Initiator's ephemeral public key, one 'y'-coordinate", M1);
const Y2 = entry(T2, "Responder's ephemeral private key Y");
const GY2 = point(T2, "Responder's ephemeral public key, 'x'-coordinate G_Y", "Responder's ephemeral public key, one 'y'-coordinate");
const GXY2 = entry(T2, 'G_XY (Raw Value)');
const SKR2 = entry(T2, "Responder's private authentication key SK_R");
const PKR2 = point(T2, "Responder's public authentication key, 'x'-coordinate", "Responder's public authentication key, 'y'-coordinate");
const GRX2 = entry(T2, 'G_RX (Raw Value)');

/** X25519 public keys whose shared secret is all zeros (low order, RFC 7748 §6.1; cr.yp.to/ecdh.html). */
const LOW_ORDER_X25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

for (const p of PROVIDERS) {
  test(`${p.name} X25519: RFC 9529 trace 1 keys and G_XY`, (t) => {
    t.deepEqual(p.publicKeyOf(Curve.X25519, X1), GX1);
    t.deepEqual(p.publicKeyOf(Curve.X25519, Y1), GY1);
    t.deepEqual(p.ecdh(Curve.X25519, X1, GY1), GXY1);
    t.deepEqual(p.ecdh(Curve.X25519, Y1, GX1), GXY1);
  });

  test(`${p.name} P-256: RFC 9529 trace 2 keys, G_XY and G_RX (x-coordinates)`, (t) => {
    t.deepEqual(p.publicKeyOf(Curve.P256, X2), GX2);
    t.deepEqual(p.publicKeyOf(Curve.P256, Y2), GY2);
    t.deepEqual(p.publicKeyOf(Curve.P256, SKR2), PKR2);
    t.deepEqual(p.ecdh(Curve.P256, X2, GY2), GXY2);
    t.deepEqual(p.ecdh(Curve.P256, Y2, GX2), GXY2);
    t.deepEqual(p.ecdh(Curve.P256, SKR2, GX2), GRX2);
    t.deepEqual(p.ecdh(Curve.P256, X2, PKR2), GRX2);
  });

  test(`${p.name} ECDH refuses invalid peer keys with malformed_key`, (t) => {
    for (const low of LOW_ORDER_X25519) {
      t.is(kindOf(() => p.ecdh(Curve.X25519, X1, hex(low))), 'malformed_key', low);
    }
    t.is(kindOf(() => p.ecdh(Curve.X25519, X1, GY1.subarray(1))), 'malformed_key', 'short X25519 key');
    const offCurve = GY2.slice();
    offCurve[64] ^= 1;
    t.is(kindOf(() => p.ecdh(Curve.P256, X2, offCurve)), 'malformed_key', 'P-256 point off the curve');
    const wrongTag = GY2.slice();
    wrongTag[0] = 0x05;
    t.is(kindOf(() => p.ecdh(Curve.P256, X2, wrongTag)), 'malformed_key', 'not 04');
    t.is(kindOf(() => p.ecdh(Curve.P256, X2, GY2.subarray(0, 33))), 'malformed_key', 'compressed');
    t.is(kindOf(() => p.ecdh(Curve.P256, X2, new Uint8Array(65))), 'malformed_key', 'zeros');
    t.is(kindOf(() => p.ecdh(Curve.P256, new Uint8Array(32), GY2)), 'malformed_key', 'd = 0');
    t.is(kindOf(() => p.ecdh(Curve.X25519, new Uint8Array(31), GY1)), 'malformed_key', 'short private key');
    t.is(kindOf(() => p.ecdh(Curve.Ed25519, X1, GY1)), 'unsupported_algorithm');
    t.is(kindOf(() => p.ecdh(99 as Curve, X1, GY1)), 'unsupported_algorithm');
  });
}

for (const a of PROVIDERS) {
  for (const b of PROVIDERS) {
    if (a === b) continue;
    test(`ECDH agreement: ${a.name} and ${b.name} derive the same secret`, (t) => {
      for (const curve of [Curve.X25519, Curve.P256]) {
        for (let i = 0; i < 4; i++) {
          const alice = a.generateKeyPair(curve);
          const bob = b.generateKeyPair(curve);
          const s1 = a.ecdh(curve, alice.privateKey, bob.publicKey);
          t.is(s1.length, 32);
          t.deepEqual(b.ecdh(curve, bob.privateKey, alice.publicKey), s1);
          t.deepEqual(b.ecdh(curve, alice.privateKey, bob.publicKey), s1);
        }
      }
    });
  }
}
