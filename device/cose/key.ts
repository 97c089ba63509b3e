/**
 * COSE_Key (RFC 9052 §7; key types of RFC 9053 §7): parse a CBOR map into a checked key,
 * and build the map back. Keys hold raw bytes as the crypto provider takes them:
 * OKP x (32 bytes), EC2 P-256 as the 65-byte uncompressed point 04 || x || y, d, k.
 *
 * Parsing checks what the map itself can show: types, lengths, kty/crv consistency, and that
 * an `alg` restriction fits the key type (RFC 9053 §2, §3, §4, §6.3: each algorithm names the
 * kty and curves it may use). Whether a key may serve a given operation is `keyUsableFor`.
 */
import { fail } from '../errors.ts';
import { CborMap, CborValue } from '../codec/cbor.ts';
import { aeadParams } from '../crypto/provider.ts';
import { Alg, Curve, KeyLabel, KeyOp, KeyType } from './iana.ts';

export interface CoseKey {
  kty: number;
  kid: Uint8Array | null;
  /** The one algorithm this key may be used with, or null when unrestricted. */
  alg: number | null;
  keyOps: number[] | null;
  baseIv: Uint8Array | null;
  /** OKP and EC2 only. */
  crv: number | null;
  /** OKP: x (32 bytes); EC2: 04 || x || y (65 bytes). Null when only the private part is known. */
  publicKey: Uint8Array | null;
  /** OKP/EC2: d (32 bytes). */
  privateKey: Uint8Array | null;
  /** Symmetric: k. */
  k: Uint8Array | null;
}

const P256_COORD = 32;
const OKP_LENGTH = 32;
/** A symmetric key shorter than this protects nothing worth the name. */
const MIN_SYMMETRIC = 16;
/** Beyond this a "key" is not one any algorithm here takes. */
const MAX_SYMMETRIC = 64;

function bad(message: string): never {
  return fail('malformed_key', message);
}

function optBytes(m: CborMap, label: number, what: string): Uint8Array | null {
  if (!m.has(label)) return null;
  const v = m.get(label);
  if (!(v instanceof Uint8Array)) return bad(what + ' is not a byte string');
  return v;
}

function optInt(m: CborMap, label: number, what: string): number | null {
  if (!m.has(label)) return null;
  const v = m.get(label);
  if (typeof v === 'string') return bad(what + ' given as text is not supported');
  if (typeof v !== 'number' || Math.floor(v) !== v) return bad(what + ' is not an integer');
  return v;
}

function fixedLength(b: Uint8Array | null, n: number, what: string): void {
  if (b !== null && b.length !== n) bad(what + ' must be ' + n + ' bytes');
}

function parseKeyOps(m: CborMap): number[] | null {
  if (!m.has(KeyLabel.KeyOps)) return null;
  const v = m.get(KeyLabel.KeyOps);
  if (!Array.isArray(v) || v.length === 0) return bad('key_ops is not a non-empty array');
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const op = v[i];
    if (typeof op !== 'number' || Math.floor(op) !== op) bad('key_ops value is not an integer');
    out.push(op as number);
  }
  return out;
}

function parseOkp(m: CborMap, key: CoseKey): void {
  const crv = optInt(m, KeyLabel.Crv, 'crv');
  if (crv !== Curve.Ed25519 && crv !== Curve.X25519) bad('OKP key needs crv Ed25519 or X25519');
  key.crv = crv;
  key.publicKey = optBytes(m, KeyLabel.X, 'x');
  key.privateKey = optBytes(m, KeyLabel.D, 'd');
  fixedLength(key.publicKey, OKP_LENGTH, 'x');
  fixedLength(key.privateKey, OKP_LENGTH, 'd');
  if (m.has(KeyLabel.Y)) bad('OKP key has a y coordinate');
  if (key.publicKey === null && key.privateKey === null) bad('OKP key has neither x nor d');
}

function parseEc2(m: CborMap, key: CoseKey): void {
  const crv = optInt(m, KeyLabel.Crv, 'crv');
  if (crv !== Curve.P256) bad('EC2 key needs crv P-256');
  key.crv = crv;
  const y = m.get(KeyLabel.Y);
  // RFC 9053 §7.1.1 allows y as a sign bit; decompressing needs field arithmetic the
  // portable core does not carry, so such a key is refused plainly.
  if (y === true || y === false) bad('compressed EC2 points (y as a sign bit) are not supported');
  const x = optBytes(m, KeyLabel.X, 'x');
  const yb = optBytes(m, KeyLabel.Y, 'y');
  fixedLength(x, P256_COORD, 'x');
  fixedLength(yb, P256_COORD, 'y');
  if ((x === null) !== (yb === null)) bad('EC2 key needs both x and y');
  if (x !== null && yb !== null) {
    const point = new Uint8Array(1 + 2 * P256_COORD);
    point[0] = 4;
    point.set(x, 1);
    point.set(yb, 1 + P256_COORD);
    key.publicKey = point;
  }
  key.privateKey = optBytes(m, KeyLabel.D, 'd');
  fixedLength(key.privateKey, P256_COORD, 'd');
  if (key.publicKey === null && key.privateKey === null) bad('EC2 key has neither x/y nor d');
}

function parseSymmetric(m: CborMap, key: CoseKey): void {
  const k = optBytes(m, KeyLabel.K, 'k');
  if (k === null) return bad('symmetric key has no k');
  if (k.length < MIN_SYMMETRIC || k.length > MAX_SYMMETRIC) bad('symmetric key length out of range');
  key.k = k;
}

/** The key types and curves an algorithm may use (RFC 9053 §2.1, §2.2, §3.1, §4, §6.3.1). */
export function algFitsKey(alg: number, key: CoseKey): boolean {
  switch (alg) {
    case Alg.EdDSA:
      return key.kty === KeyType.OKP && key.crv === Curve.Ed25519;
    case Alg.ES256:
      return key.kty === KeyType.EC2 && key.crv === Curve.P256;
    case Alg.ECDH_ES_HKDF_256:
      return (key.kty === KeyType.OKP && key.crv === Curve.X25519) || (key.kty === KeyType.EC2 && key.crv === Curve.P256);
    case Alg.HMAC_256_64:
    case Alg.HMAC_256_256:
      return key.kty === KeyType.Symmetric;
    default: {
      const p = aeadParams(alg);
      if (p) return key.kty === KeyType.Symmetric && key.k !== null && key.k.length === p.keyLength;
      // An algorithm this layer does not know: the key stays restricted to it, so unusable here.
      return true;
    }
  }
}

/** Parses a COSE_Key map (RFC 9052 §7). Throws CoreError 'malformed_key'. */
export function parseCoseKey(value: CborValue): CoseKey {
  if (!(value instanceof CborMap)) return bad('COSE_Key is not a map');
  const kty = optInt(value, KeyLabel.Kty, 'kty');
  if (kty === null) return bad('COSE_Key has no kty');
  const key: CoseKey = {
    kty: kty,
    kid: optBytes(value, KeyLabel.Kid, 'kid'),
    alg: optInt(value, KeyLabel.Alg, 'alg'),
    keyOps: parseKeyOps(value),
    baseIv: optBytes(value, KeyLabel.BaseIV, 'Base IV'),
    crv: null,
    publicKey: null,
    privateKey: null,
    k: null,
  };
  if (kty === KeyType.OKP) parseOkp(value, key);
  else if (kty === KeyType.EC2) parseEc2(value, key);
  else if (kty === KeyType.Symmetric) parseSymmetric(value, key);
  else bad('unsupported key type');
  if (key.alg !== null && !algFitsKey(key.alg, key)) bad('alg does not fit the key type, curve or length');
  return key;
}

/** Builds the COSE_Key map. `includePrivate` false leaves out d (and k is refused). */
export function coseKeyToMap(key: CoseKey, includePrivate: boolean): CborMap {
  const m = new CborMap();
  m.set(KeyLabel.Kty, key.kty);
  if (key.kid !== null) m.set(KeyLabel.Kid, key.kid);
  if (key.alg !== null) m.set(KeyLabel.Alg, key.alg);
  if (key.keyOps !== null) m.set(KeyLabel.KeyOps, key.keyOps.slice());
  if (key.baseIv !== null) m.set(KeyLabel.BaseIV, key.baseIv);
  if (key.kty === KeyType.Symmetric) {
    if (!includePrivate || key.k === null) fail('malformed_key', 'a symmetric key has no public form');
    m.set(KeyLabel.K, key.k);
    return m;
  }
  m.set(KeyLabel.Crv, key.crv);
  if (key.publicKey !== null) {
    if (key.kty === KeyType.EC2) {
      m.set(KeyLabel.X, new Uint8Array(key.publicKey.subarray(1, 1 + P256_COORD)));
      m.set(KeyLabel.Y, new Uint8Array(key.publicKey.subarray(1 + P256_COORD)));
    } else m.set(KeyLabel.X, key.publicKey);
  }
  if (includePrivate && key.privateKey !== null) m.set(KeyLabel.D, key.privateKey);
  return m;
}

function emptyKey(kty: number, kid: Uint8Array | null, alg: number | null): CoseKey {
  return { kty: kty, kid: kid, alg: alg, keyOps: null, baseIv: null, crv: null, publicKey: null, privateKey: null, k: null };
}

/** A symmetric COSE_Key; checked as if parsed. */
export function symmetricKey(k: Uint8Array, kid: Uint8Array | null, alg: number | null): CoseKey {
  const key = emptyKey(KeyType.Symmetric, kid, alg);
  key.k = k;
  return parseCoseKey(coseKeyToMap(key, true));
}

/**
 * An OKP or EC2 COSE_Key from raw provider bytes (public: 32 bytes OKP or 65 bytes 04||x||y;
 * private: 32 bytes, or null for a public key); checked as if parsed.
 */
export function curveKey(crv: number, publicKey: Uint8Array | null, privateKey: Uint8Array | null, kid: Uint8Array | null, alg: number | null): CoseKey {
  const kty = crv === Curve.P256 ? KeyType.EC2 : KeyType.OKP;
  const key = emptyKey(kty, kid, alg);
  key.crv = crv;
  if (publicKey !== null && kty === KeyType.EC2 && (publicKey.length !== 65 || publicKey[0] !== 4)) {
    fail('malformed_key', 'P-256 public key must be 65 bytes, uncompressed');
  }
  key.publicKey = publicKey;
  key.privateKey = privateKey;
  return parseCoseKey(coseKeyToMap(key, true));
}

/** The public part only (no d, no k). */
export function publicPart(key: CoseKey): CoseKey {
  if (key.kty === KeyType.Symmetric) fail('malformed_key', 'a symmetric key has no public form');
  if (key.publicKey === null) fail('malformed_key', 'key has no public part');
  const out = emptyKey(key.kty, key.kid, key.alg);
  out.crv = key.crv;
  out.publicKey = key.publicKey;
  out.keyOps = key.keyOps;
  return out;
}

/** The operation of agreeing on a key with a peer's public key (the sender side of ECDH-ES). */
export const AGREE_TO = 0;

/**
 * Whether the key may be used for `alg` and operation `op` (RFC 9052 §7.1: a present alg
 * must match, a present key_ops must allow the operation; RFC 9053: kty/crv per algorithm),
 * and holds the part the operation needs.
 */
export function keyUsableFor(key: CoseKey, alg: number, op: number): boolean {
  if (key.alg !== null && key.alg !== alg) return false;
  if (!algFitsKey(alg, key)) return false;
  // RFC 9053 §6.3.1: a peer's public key for ECDH carries no operations of its own.
  if (op !== AGREE_TO && key.keyOps !== null && !keyOpsAllow(key.keyOps, op)) return false;
  switch (op) {
    case KeyOp.Sign:
    case KeyOp.DeriveKey:
      return key.privateKey !== null;
    case KeyOp.Verify:
    case AGREE_TO:
      return key.publicKey !== null;
    default:
      return key.kty === KeyType.Symmetric ? key.k !== null : true;
  }
}

function keyOpsAllow(ops: number[], op: number): boolean {
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i];
    if (o === op) return true;
    // RFC 9053 §4: AEAD keys may be marked wrap/unwrap; §6.3.1: derive bits also derives.
    if (op === KeyOp.Encrypt && o === KeyOp.WrapKey) return true;
    if (op === KeyOp.Decrypt && o === KeyOp.UnwrapKey) return true;
    if (op === KeyOp.DeriveKey && o === KeyOp.DeriveBits) return true;
  }
  return false;
}
