/**
 * Raw keys to node:crypto KeyObjects. JWK import is used because it is several times faster
 * than DER in Node 20 (OpenSSL 3's decoder lookup dominates: Ed25519 public ~95k/s vs ~8k/s).
 */
import * as nc from 'node:crypto';
import { Curve } from '../provider.ts';

const JWK_CRV: { [curve: number]: string } = {
  [Curve.Ed25519]: 'Ed25519',
  [Curve.X25519]: 'X25519',
  [Curve.P256]: 'P-256',
};

/** PKCS #8 prefixes of a bare 32-byte private key (RFC 8410 §7), the slow fallback. */
const OKP_PKCS8: { [curve: number]: Buffer } = {
  [Curve.Ed25519]: Buffer.from('302e020100300506032b657004220420', 'hex'),
  [Curve.X25519]: Buffer.from('302e020100300506032b656e04220420', 'hex'),
};

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Throws (a node error) when the key is not a valid point; P-256 points are checked on import. */
export function importPublicKey(curve: Curve, raw: Uint8Array): nc.KeyObject {
  const jwk: nc.JsonWebKey = curve === Curve.P256
    ? { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33, 65)) }
    : { kty: 'OKP', crv: JWK_CRV[curve], x: b64u(raw) };
  return nc.createPublicKey({ key: jwk, format: 'jwk' });
}

/** P-256 public key 04 || x || y of a scalar (the ECDH object is the fastest way to it). */
export function p256PublicKey(d: Uint8Array): Uint8Array {
  const ecdh = nc.createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  return new Uint8Array(ecdh.getPublicKey());
}

/** The private key; for P-256 pass its public key too (a JWK must carry the point). */
export function importPrivateKey(curve: Curve, raw: Uint8Array, p256Public?: Uint8Array): nc.KeyObject {
  if (curve === Curve.P256) {
    const pub = p256Public || p256PublicKey(raw);
    const jwk = { kty: 'EC', crv: 'P-256', d: b64u(raw), x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)) };
    return nc.createPrivateKey({ key: jwk, format: 'jwk' });
  }
  try {
    // Node builds an OKP private key from `d` alone: `x` must be a string but is not used
    // (lib/internal/crypto/keys.js), which spares a scalar multiplication per call.
    return nc.createPrivateKey({ key: { kty: 'OKP', crv: JWK_CRV[curve], d: b64u(raw), x: '' }, format: 'jwk' });
  } catch (e) {
    // should a later Node check `x`, stay correct, only slower
    return nc.createPrivateKey({ key: Buffer.concat([OKP_PKCS8[curve], raw]), format: 'der', type: 'pkcs8' });
  }
}

/** Raw public key of an Ed25519 or X25519 KeyObject. */
export function okpPublicKey(key: nc.KeyObject): Uint8Array {
  const jwk = nc.createPublicKey(key).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
}

/**
 * Public KeyObjects by curve and bytes, least recently used dropped first. Only public keys:
 * a cache of secrets would keep them in memory past their use.
 */
export class PublicKeyCache {
  private readonly entries = new Map<string, nc.KeyObject>();
  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(curve: Curve, raw: Uint8Array): nc.KeyObject {
    if (this.limit <= 0) return importPublicKey(curve, raw);
    const id = curve + ':' + Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex');
    let key = this.entries.get(id);
    if (key) {
      this.entries.delete(id); // refresh its place
    } else {
      key = importPublicKey(curve, raw);
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(id, key);
    return key;
  }
}
