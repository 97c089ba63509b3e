/**
 * COSE_Encrypt (RFC 9052 §5.1, §5.3) with one recipient using direct key agreement:
 * ECDH-ES + HKDF-256 (alg -25, RFC 9053 §6.3.1) to a static X25519 or P-256 recipient key.
 * The sender's ephemeral public key travels as COSE_Key in the recipient's header -1; the
 * content key is HKDF-SHA-256(ECDH secret, salt -20 or none, COSE_KDF_Context) with
 * AlgorithmID = the content algorithm, PartyU/PartyV from headers -21..-26 or nil, and
 * SuppPubInfo = [key length in bits, the recipient's protected bucket] (RFC 9053 §5.2).
 *
 * Only one recipient, without nested recipients, is accepted. An ephemeral P-256 key given
 * with a compressed y is refused (see key.ts).
 */
import { fail } from '../errors.ts';
import { CborCodec, CborMap, CborValue } from '../codec/cbor.ts';
import { bytesEqual } from '../codec/bytes.ts';
import { CryptoProvider, KeyPair } from '../crypto/provider.ts';
import { CONTENT_LABELS, Headers, RECIPIENT_LABELS, addKid, algOf, decodeHeaders, encodeProtected, headerValue, kidOf, startBuckets } from './header.ts';
import { Alg, CoseTag, ENCRYPT, Header, KeyOp } from './iana.ts';
import { AGREE_TO, CoseKey, coseKeyToMap, curveKey, keyUsableFor, parseCoseKey } from './key.ts';
import { EMPTY, bstrField, maybeTag, messageArray } from './message.ts';
import { EncryptOptions, contentAead, openContent, sealContent } from './encrypt0.ts';
import { PartyInfo, kdfContext } from './structures.ts';

export interface Recipient {
  headers: Headers;
}

export interface CoseEncrypt {
  headers: Headers;
  ciphertext: Uint8Array;
  recipient: Recipient;
}

/** COSE_Encrypt = [protected, unprotected, ciphertext, [COSE_recipient]], tag 96 optional. */
export function decodeEncrypt(value: CborValue, codec: CborCodec): CoseEncrypt {
  const a = messageArray(value, CoseTag.Encrypt, [4], 'COSE_Encrypt');
  const list = a[3];
  if (!Array.isArray(list) || list.length !== 1) return fail('malformed_cose', 'exactly one recipient is supported');
  const r = list[0];
  if (!Array.isArray(r) || r.length !== 3) return fail('malformed_cose', 'recipient is not a [protected, unprotected, ciphertext] array');
  // direct key agreement transports no key: the recipient ciphertext is empty or nil
  if (r[2] !== null && !(r[2] instanceof Uint8Array && r[2].length === 0)) fail('malformed_cose', 'direct key agreement carries no encrypted key');
  return {
    headers: decodeHeaders(a[0], a[1], CONTENT_LABELS, codec),
    ciphertext: bstrField(a[2], 'ciphertext'),
    recipient: { headers: decodeHeaders(r[0], r[1], RECIPIENT_LABELS, codec) },
  };
}

function optBytes(h: Headers, label: number): Uint8Array | null {
  const v = headerValue(h, label);
  if (v === undefined) return null;
  if (!(v instanceof Uint8Array)) return fail('malformed_cose', 'KDF header parameter is not a byte string');
  return v;
}

function optNonce(h: Headers, label: number): Uint8Array | number | null {
  const v = headerValue(h, label);
  if (v === undefined) return null;
  if (!(v instanceof Uint8Array) && typeof v !== 'number') return fail('malformed_cose', 'party nonce has the wrong type');
  return v;
}

function party(h: Headers, identity: number, nonce: number, other: number): PartyInfo {
  return { identity: optBytes(h, identity), nonce: optNonce(h, nonce), other: optBytes(h, other) };
}

/** The content key of direct ECDH-ES + HKDF-256 (RFC 9053 §6.3.1, §5.1, §5.2). */
function deriveContentKey(shared: Uint8Array, r: Headers, contentAlg: number, keyLength: number, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  const salt = optBytes(r, Header.Salt) || EMPTY;
  const u = party(r, Header.PartyUIdentity, Header.PartyUNonce, Header.PartyUOther);
  const v = party(r, Header.PartyVIdentity, Header.PartyVNonce, Header.PartyVOther);
  const context = kdfContext(contentAlg, u, v, keyLength, r.protectedBytes, codec);
  return provider.hkdfSha256(shared, salt, context, keyLength);
}

function requireAgreement(alg: number, key: CoseKey, op: number, provider: CryptoProvider): void {
  if (alg !== Alg.ECDH_ES_HKDF_256 || !provider.supports(alg)) fail('unsupported_algorithm', 'recipient algorithm not supported');
  if (!keyUsableFor(key, alg, op) || !provider.supportsCurve(key.crv as number)) fail('unsupported_algorithm', 'key is not usable for ECDH-ES on this curve');
}

function ephemeralOf(r: Headers, curveOf: CoseKey): CoseKey {
  const v = headerValue(r, Header.EphemeralKey);
  if (v === undefined) return fail('malformed_cose', 'ephemeral key missing');
  let eph: CoseKey;
  try {
    eph = parseCoseKey(v);
  } catch (e) {
    return fail('malformed_cose', 'ephemeral key is not a usable COSE_Key');
  }
  if (eph.kty !== curveOf.kty || eph.crv !== curveOf.crv || eph.publicKey === null || eph.privateKey !== null) {
    fail('malformed_cose', 'ephemeral key is not a public key on the recipient curve');
  }
  return eph;
}

/** ECDH with a peer key from the message: an invalid point is a malformed message. */
function agree(crv: number, privateKey: Uint8Array, peer: Uint8Array, provider: CryptoProvider): Uint8Array {
  try {
    return provider.ecdh(crv, privateKey, peer);
  } catch (e) {
    return fail('malformed_cose', 'ephemeral key is not a valid point');
  }
}

/** Decrypts with the recipient's private key (X25519 or P-256); returns the plaintext. */
export function decryptEncrypt(msg: CoseEncrypt, recipientKey: CoseKey, externalAad: Uint8Array, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  const r = msg.recipient.headers;
  requireAgreement(algOf(r), recipientKey, KeyOp.DeriveKey, provider);
  const kid = kidOf(r);
  if (kid !== null && recipientKey.kid !== null && !bytesEqual(kid, recipientKey.kid)) fail('unknown_kid', 'message is for another recipient key');
  const contentAlg = algOf(msg.headers);
  const p = contentAead(contentAlg, provider);
  const eph = ephemeralOf(r, recipientKey);
  const shared = agree(recipientKey.crv as number, recipientKey.privateKey as Uint8Array, eph.publicKey as Uint8Array, provider);
  const cek = deriveContentKey(shared, r, contentAlg, p.keyLength, provider, codec);
  return openContent(msg.headers, ENCRYPT, contentAlg, cek, null, msg.ciphertext, externalAad, provider, codec);
}

export interface EcdhOptions extends EncryptOptions {
  /** The sender's ephemeral key pair; a fresh one when absent (tests pass one to be deterministic). */
  ephemeral?: KeyPair;
  /** Extra parameters of the recipient layer (e.g. a salt -20 or PartyU nonce -22). */
  recipientUnprotected?: CborMap;
}

/** Encrypts `plaintext` to the recipient's public key; returns the COSE_Encrypt value. */
export function createEncrypt(plaintext: Uint8Array, recipientKey: CoseKey, contentAlg: number, opts: EcdhOptions, provider: CryptoProvider, codec: CborCodec): CborValue {
  requireAgreement(Alg.ECDH_ES_HKDF_256, recipientKey, AGREE_TO, provider);
  const p = contentAead(contentAlg, provider);
  const crv = recipientKey.crv as number;
  const pair = opts.ephemeral || provider.generateKeyPair(crv);
  if (pair.curve !== crv) fail('bad_request', 'ephemeral key on another curve');
  const rb = startBuckets({ unprotected: opts.recipientUnprotected }, Alg.ECDH_ES_HKDF_256);
  rb.unprotected.set(Header.EphemeralKey, coseKeyToMap(curveKey(crv, pair.publicKey, null, null, null), false));
  addKid(rb, recipientKey.kid);
  const rProtected = encodeProtected(rb.protected, codec);
  const rHeaders: Headers = { protectedBytes: rProtected, protected: rb.protected, unprotected: rb.unprotected };
  const shared = provider.ecdh(crv, pair.privateKey, recipientKey.publicKey as Uint8Array);
  const cek = deriveContentKey(shared, rHeaders, contentAlg, p.keyLength, provider, codec);
  const b = startBuckets(opts, contentAlg);
  const sealed = sealContent(b, ENCRYPT, contentAlg, cek, opts.iv, plaintext, opts.externalAad || EMPTY, provider, codec);
  const recipient: CborValue[] = [rProtected, rb.unprotected, EMPTY];
  return maybeTag(opts.tagged === true, CoseTag.Encrypt, [sealed.protectedBytes, b.unprotected, sealed.ciphertext, [recipient]]);
}
