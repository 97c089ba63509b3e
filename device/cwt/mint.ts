/**
 * Minting CWTs: the AS side (simulator, provisioning CLI) builds tokens with the same code
 * the device verifies them with. Kept apart from the verify path.
 *
 * Nesting (RFC 8392 §7.1): `nestCwt` encrypts a signed or MACed CWT in a COSE_Encrypt0 whose
 * protected bucket says content type application/cwt; the inner token is tagged so the
 * receiver recognises it either way.
 */
import { fail } from '../errors.ts';
import { CborCodec, CborMap, CborTag, CborValue } from '../codec/cbor.ts';
import { CryptoProvider } from '../crypto/provider.ts';
import { CoseTag, Header } from '../cose/iana.ts';
import { CoseKey } from '../cose/key.ts';
import { createSign1 } from '../cose/sign1.ts';
import { createMac0 } from '../cose/mac0.ts';
import { EncryptOptions, createEncrypt0 } from '../cose/encrypt0.ts';
import { decodeCbor } from '../cose/message.ts';
import { parseClaims } from './claims.ts';
import { Claim, CONTENT_FORMAT_CWT } from './iana.ts';

export interface ClaimsInput {
  iss?: string;
  sub?: string;
  /** One audience is sent as text, several as an array. */
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  cti?: Uint8Array;
  /** Built with cnf-build.ts. */
  cnf?: CborMap;
  scope?: string | Uint8Array;
  aceProfile?: number;
  cnonce?: Uint8Array;
  exi?: number;
}

function put(m: CborMap, key: number, v: CborValue): void {
  if (v !== undefined) m.set(key, v);
}

/** The claims map of RFC 8392 §3 / RFC 9200 §5.10; checked with the device's own parser. */
export function buildClaims(c: ClaimsInput): CborMap {
  const m = new CborMap();
  put(m, Claim.Iss, c.iss);
  put(m, Claim.Sub, c.sub);
  put(m, Claim.Aud, Array.isArray(c.aud) ? c.aud.slice() : c.aud);
  put(m, Claim.Exp, c.exp);
  put(m, Claim.Nbf, c.nbf);
  put(m, Claim.Iat, c.iat);
  put(m, Claim.Cti, c.cti);
  put(m, Claim.Cnf, c.cnf);
  put(m, Claim.Scope, c.scope);
  put(m, Claim.AceProfile, c.aceProfile);
  put(m, Claim.Cnonce, c.cnonce);
  put(m, Claim.Exi, c.exi);
  parseClaims(m);
  return m;
}

export interface MintOptions extends EncryptOptions {
  /** Leave out the COSE tag (the receiver then infers the type). Tagged when absent. */
  untagged?: boolean;
  /** Wrap in the CWT tag 61 (RFC 8392 §6). */
  cwtTag?: boolean;
}

function finish(cose: CborValue, opts: MintOptions, codec: CborCodec): Uint8Array {
  return codec.encode(opts.cwtTag === true ? new CborTag(CoseTag.CWT, cose) : cose);
}

function coseOptions(opts: MintOptions): EncryptOptions {
  return { protected: opts.protected, unprotected: opts.unprotected, externalAad: opts.externalAad, iv: opts.iv, tagged: opts.untagged !== true };
}

/** A COSE_Sign1 CWT (EdDSA or ES256) signed with the issuer's private key. */
export function signCwt(claims: CborMap, key: CoseKey, alg: number, opts: MintOptions, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  return finish(createSign1(codec.encode(claims), key, alg, coseOptions(opts), provider, codec), opts, codec);
}

/** A COSE_Mac0 CWT (HMAC 256/64 or 256/256) under an AS–device key. */
export function macCwt(claims: CborMap, key: CoseKey, alg: number, opts: MintOptions, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  return finish(createMac0(codec.encode(claims), key, alg, coseOptions(opts), provider, codec), opts, codec);
}

/** A COSE_Encrypt0 CWT under an AS–device key. */
export function encryptCwt(claims: CborMap, key: CoseKey, alg: number, opts: MintOptions, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  return finish(createEncrypt0(codec.encode(claims), key, alg, coseOptions(opts), provider, codec), opts, codec);
}

/** Encrypts a signed or MACed CWT (from signCwt/macCwt, tagged) in a COSE_Encrypt0 (RFC 8392 A.6). */
export function nestCwt(innerCwt: Uint8Array, key: CoseKey, alg: number, opts: MintOptions, provider: CryptoProvider, codec: CborCodec): Uint8Array {
  const inner = decodeCbor(innerCwt, codec);
  const bare = inner instanceof CborTag && inner.tag === CoseTag.CWT ? inner.value : inner;
  if (!(bare instanceof CborTag) || (bare.tag !== CoseTag.Sign1 && bare.tag !== CoseTag.Mac0)) {
    fail('bad_request', 'the inner CWT must be a tagged COSE_Sign1 or COSE_Mac0');
  }
  const o = coseOptions(opts);
  const p = new CborMap();
  if (opts.protected) opts.protected.forEach((v, k) => { p.set(k, v); });
  p.set(Header.ContentType, CONTENT_FORMAT_CWT);
  o.protected = p;
  return finish(createEncrypt0(innerCwt, key, alg, o, provider, codec), opts, codec);
}
