/**
 * Offline verification of a CWT (RFC 8392 §7.2) held to the device's policy (RFC 9200 §5.10).
 *
 * 1. Decode; strip the CWT tag 61, which must then wrap a COSE tag (RFC 8392 §6).
 * 2. Find the COSE type from its tag; untagged, from the shape and the protected alg
 *    (3 items: COSE_Encrypt0; 4 items: COSE_Sign1 for a signature alg, COSE_Mac0 for a MAC).
 * 3. Check the protection with the trusted keys (by kid, see cose/keyset.ts): COSE_Sign1 with
 *    an issuer public key; COSE_Mac0 and COSE_Encrypt0 with AS–device symmetric keys. The
 *    plaintext of an Encrypt0 may itself be a signed or MACed CWT (RFC 8392 A.6, RFC 9203
 *    §3.2): it is nested when it is tagged or the content type is application/cwt; one
 *    level only, and the inner one must be Sign1 or Mac0.
 * 4. Parse the claims, then apply the policy in RFC 9200 §5.10.1.1's order: iss, expiry and
 *    freshness, aud; then read cnf; the cnonce check comes last so that a token refused for
 *    another reason does not use up a nonce.
 *
 * Time. With a wall clock (Clock.nowSeconds() not null): exp and nbf with the leeway.
 * Without one: exp and nbf cannot be judged; `exi` (RFC 9200 §5.10.3) is then the expiry,
 * counted from reception on the device's monotonic clock, and a policy that requires expiry
 * (the default) refuses a token without exi as 'stale'. The result carries the monotonic
 * deadline; keeping it, and the highest expired exi sequence number of §5.10.3, is the
 * token store's job. A token with exi must carry cti (§5.10.3: the AS MUST add it).
 * cnonce (RFC 9200 §5.3.1): a policy with a nonceChecker requires a cnonce the checker
 * accepts; the ACE layer owns the list of nonces it issued.
 */
import { fail, isCoreError } from '../errors.ts';
import { CborCodec, CborMap, CborTag, CborValue } from '../codec/cbor.ts';
import { CryptoProvider } from '../crypto/provider.ts';
import { Clock } from '../storage.ts';
import { CoseTag, Header, KeyOp } from '../cose/iana.ts';
import { Headers, algOf, decodeHeaders, CONTENT_LABELS, headerValue, kidOf } from '../cose/header.ts';
import { CoseKey } from '../cose/key.ts';
import { candidateKeys } from '../cose/keyset.ts';
import { EMPTY, decodeCbor } from '../cose/message.ts';
import { decodeSign1, isSignatureAlg, verifySign1 } from '../cose/sign1.ts';
import { decodeMac0, macTagLength, verifyMac0 } from '../cose/mac0.ts';
import { decodeEncrypt0, decryptEncrypt0 } from '../cose/encrypt0.ts';
import { CwtClaims, parseClaims } from './claims.ts';
import { Confirmation, carriesSecret, readConfirmation } from './cnf.ts';
import { CONTENT_FORMAT_CWT } from './iana.ts';

export interface CwtPolicy {
  /** Keys that protect tokens: issuer public keys (Sign1), AS–device symmetric keys (Mac0, Encrypt0). */
  keys: CoseKey[];
  /** Keys that open an Encrypted_COSE_Key in cnf (AS–device symmetric keys, the device's key pair); `keys` when absent. */
  cnfKeys?: CoseKey[];
  /** The audience this device identifies with; the token's aud (text or array) must contain it. */
  audience: string;
  /**
   * Refuse tokens without aud; true when absent. RFC 9200 §5.10.1.1 checks aud "if present",
   * but a signed token without one could be replayed at any device trusting the same AS.
   */
  requireAudience?: boolean;
  /** When set, a token's iss, if present, must equal it. */
  issuer?: string;
  clock: Clock;
  /** Allowed clock skew for exp and nbf, in seconds; 0 when absent. */
  leewaySeconds?: number;
  /** Refuse tokens whose expiry cannot be judged (no exp with a clock, no exi without one); true when absent. */
  requireExpiry?: boolean;
  /** When set, every token must carry a cnonce this accepts (RFC 9200 §5.3.1). */
  nonceChecker?: (cnonce: Uint8Array) => boolean;
  /** Externally supplied data of the outer COSE layer; empty when absent. */
  externalAad?: Uint8Array;
}

export interface VerifiedCwt {
  claims: CwtClaims;
  /** The cnf claim read (and decrypted), or null when the token has none. */
  confirmation: Confirmation | null;
  /** COSE layers, outermost first: 'sign1', 'mac0', 'encrypt0'. */
  layers: string[];
  /** Whether the claims travelled encrypted. */
  encrypted: boolean;
  /** Reception time on the device's monotonic clock. */
  receivedAtMs: number;
  /** Monotonic time at which the token expires by exi, or null without exi. */
  exiDeadlineMs: number | null;
}

interface Opened {
  claims: CborValue;
  layers: string[];
  encrypted: boolean;
}

/** The COSE type of a token layer: by tag, else by shape and alg (see the file comment). */
function layerType(v: CborValue, codec: CborCodec): number {
  if (v instanceof CborTag) {
    if (v.tag === CoseTag.Sign1 || v.tag === CoseTag.Mac0 || v.tag === CoseTag.Encrypt0) return v.tag;
    return fail('malformed_cose', 'COSE message type not accepted for tokens');
  }
  if (!Array.isArray(v)) return fail('malformed_cose', 'token is not a COSE message');
  if (v.length === 3) return CoseTag.Encrypt0;
  if (v.length !== 4) return fail('malformed_cose', 'token is not a COSE message');
  const alg = algOf(decodeHeaders(v[0], v[1], CONTENT_LABELS, codec));
  if (isSignatureAlg(alg)) return CoseTag.Sign1;
  if (macTagLength(alg) > 0) return CoseTag.Mac0;
  return fail('unsupported_algorithm', 'algorithm of an untagged token not supported');
}

/** Runs `check` with each candidate key until one succeeds; the last failure otherwise. */
function withCandidates(keys: CoseKey[], check: (key: CoseKey) => Uint8Array): Uint8Array {
  let last: unknown = null;
  for (let i = 0; i < keys.length; i++) {
    try {
      return check(keys[i]);
    } catch (e) {
      if (!isCoreError(e) || (e.kind !== 'bad_signature' && e.kind !== 'decrypt_failed')) throw e;
      last = e;
    }
  }
  throw last;
}

function decodePayload(bytes: Uint8Array, codec: CborCodec): CborValue {
  try {
    return decodeCbor(bytes, codec);
  } catch (e) {
    return fail('malformed_claims', 'claims are not well-formed CBOR');
  }
}

function isNested(h: Headers, inner: CborValue): boolean {
  return inner instanceof CborTag || headerValue(h, Header.ContentType) === CONTENT_FORMAT_CWT;
}

function stripCwtTag(v: CborValue): CborValue {
  if (v instanceof CborTag && v.tag === CoseTag.CWT) {
    if (!(v.value instanceof CborTag)) fail('malformed_cose', 'CWT tag does not wrap a COSE tag');
    return v.value;
  }
  return v;
}

function openLayer(v: CborValue, policy: CwtPolicy, aad: Uint8Array, nested: boolean, provider: CryptoProvider, codec: CborCodec): Opened {
  const type = layerType(v, codec);
  if (type === CoseTag.Sign1) {
    const msg = decodeSign1(v, codec);
    const keys = candidateKeys(policy.keys, kidOf(msg.headers), algOf(msg.headers), KeyOp.Verify);
    const payload = withCandidates(keys, (k) => verifySign1(msg, k, aad, provider, codec));
    return { claims: decodePayload(payload, codec), layers: ['sign1'], encrypted: false };
  }
  if (type === CoseTag.Mac0) {
    const msg = decodeMac0(v, codec);
    const keys = candidateKeys(policy.keys, kidOf(msg.headers), algOf(msg.headers), KeyOp.MacVerify);
    const payload = withCandidates(keys, (k) => verifyMac0(msg, k, aad, provider, codec));
    return { claims: decodePayload(payload, codec), layers: ['mac0'], encrypted: false };
  }
  if (nested) fail('malformed_cose', 'a nested token must be signed or MACed');
  const msg = decodeEncrypt0(v, codec);
  const keys = candidateKeys(policy.keys, kidOf(msg.headers), algOf(msg.headers), KeyOp.Decrypt);
  const plaintext = withCandidates(keys, (k) => decryptEncrypt0(msg, k, aad, provider, codec));
  const inner = decodePayload(plaintext, codec);
  if (!isNested(msg.headers, inner)) return { claims: inner, layers: ['encrypt0'], encrypted: true };
  // the inner CWT is checked on its own, without the outer layer's external AAD
  const opened = openLayer(stripCwtTag(inner), policy, EMPTY, true, provider, codec);
  return { claims: opened.claims, layers: ['encrypt0'].concat(opened.layers), encrypted: true };
}

function checkTime(claims: CwtClaims, policy: CwtPolicy): void {
  const now = policy.clock.nowSeconds();
  const leeway = policy.leewaySeconds || 0;
  if (now !== null) {
    if (claims.exp !== null && now >= claims.exp + leeway) fail('expired', 'token has expired');
    if (claims.nbf !== null && now + leeway < claims.nbf) fail('not_yet_valid', 'token is not yet valid');
  }
  if (claims.exi !== null) {
    if (claims.cti === null) fail('malformed_claims', 'exi without cti');
    if (claims.exi === 0) fail('expired', 'token has expired (exi 0)');
  }
  if (policy.requireExpiry === false || claims.exi !== null) return;
  if (now === null) fail('stale', 'no clock to judge exp and no exi');
  if (claims.exp === null) fail('malformed_claims', 'token carries no expiry');
}

function checkConfirmation(claims: CwtClaims, encrypted: boolean, policy: CwtPolicy, provider: CryptoProvider, codec: CborCodec): Confirmation | null {
  if (claims.cnf === null) return null;
  const c = readConfirmation(claims.cnf as CborMap, policy.cnfKeys || policy.keys, provider, codec);
  // RFC 9200 §6.1, RFC 9203 §3.2: secret PoP material must be encrypted for the RS.
  const sealed = encrypted || (c.kind === 'key' && c.encrypted);
  if (carriesSecret(c) && !sealed) fail('bad_cnf', 'secret key material in a token that is not encrypted');
  return c;
}

/**
 * The claim checks of RFC 9200 §5.10.1.1 in its order (iss, exp/nbf/exi, aud): for a verified
 * CWT, and for the claims an introspection response carries.
 */
export function checkClaims(claims: CwtClaims, policy: CwtPolicy): void {
  if (policy.issuer !== undefined && claims.iss !== null && claims.iss !== policy.issuer) fail('unauthorized', 'token is from another issuer');
  checkTime(claims, policy);
  if (claims.aud === null ? policy.requireAudience !== false : claims.aud.indexOf(policy.audience) < 0) {
    fail('wrong_audience', 'token is not for this audience');
  }
}

/** Verifies a CWT against `policy`; returns its claims and confirmation. Throws CoreError. */
export function verifyCwt(bytes: Uint8Array, policy: CwtPolicy, provider: CryptoProvider, codec: CborCodec): VerifiedCwt {
  const receivedAtMs = policy.clock.monotonicMs();
  const top = stripCwtTag(decodeCbor(bytes, codec));
  const opened = openLayer(top, policy, policy.externalAad || EMPTY, false, provider, codec);
  const claims = parseClaims(opened.claims);
  checkClaims(claims, policy);
  const confirmation = checkConfirmation(claims, opened.encrypted, policy, provider, codec);
  if (policy.nonceChecker) {
    if (claims.cnonce === null) fail('stale', 'token has no cnonce');
    if (!policy.nonceChecker(claims.cnonce as Uint8Array)) fail('stale', 'cnonce is not one this device issued recently');
  }
  return {
    claims: claims,
    confirmation: confirmation,
    layers: opened.layers,
    encrypted: opened.encrypted,
    receivedAtMs: receivedAtMs,
    exiDeadlineMs: claims.exi === null ? null : receivedAtMs + claims.exi * 1000,
  };
}
