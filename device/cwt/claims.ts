/**
 * The CWT claims set (RFC 8392 §3) with the ACE claims (RFC 9200 §5.10, registered in §8.14),
 * parsed into a typed record. Types are checked, meaning is not: the policy (verify.ts) judges
 * time and audience, the ACE layer interprets scope, cnf.ts reads cnf.
 *
 * Value types: iss, sub text; aud text or a non-empty array of text (normalised to an array);
 * exp, nbf, iat NumericDate, i.e. an untagged finite number, integer or float (RFC 8392 §2,
 * Appendix A.7); cti bstr; cnf map; scope text or bstr, kept raw (AIF or text scope);
 * ace_profile integer; cnonce bstr; exi unsigned integer. Claims with other keys are kept in
 * `map` and not judged. Any wrong type is 'malformed_claims'.
 */
import { fail, isCoreError } from '../errors.ts';
import { CborCodec, CborMap, CborValue } from '../codec/cbor.ts';
import { Claim } from './iana.ts';

export interface CwtClaims {
  iss: string | null;
  sub: string | null;
  aud: string[] | null;
  exp: number | null;
  nbf: number | null;
  iat: number | null;
  cti: Uint8Array | null;
  cnf: CborMap | null;
  scope: string | Uint8Array | null;
  aceProfile: number | null;
  cnonce: Uint8Array | null;
  exi: number | null;
  /** The whole claims set as received. */
  map: CborMap;
}

function bad(message: string): never {
  return fail('malformed_claims', message);
}

function isInt(v: CborValue): boolean {
  return typeof v === 'number' && isFinite(v) && Math.floor(v) === v;
}

function text(m: CborMap, key: number, name: string): string | null {
  if (!m.has(key)) return null;
  const v = m.get(key);
  if (typeof v !== 'string') return bad(name + ' is not a text string');
  return v;
}

function bytes(m: CborMap, key: number, name: string): Uint8Array | null {
  if (!m.has(key)) return null;
  const v = m.get(key);
  if (!(v instanceof Uint8Array)) return bad(name + ' is not a byte string');
  return v;
}

function numericDate(m: CborMap, key: number, name: string): number | null {
  if (!m.has(key)) return null;
  const v = m.get(key);
  if (typeof v !== 'number' || !isFinite(v)) return bad(name + ' is not a NumericDate');
  return v;
}

function audience(m: CborMap): string[] | null {
  if (!m.has(Claim.Aud)) return null;
  const v = m.get(Claim.Aud);
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.length === 0) return bad('aud is not text or a non-empty array of text');
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const a = v[i];
    if (typeof a !== 'string') bad('aud array holds a non-text value');
    out.push(a as string);
  }
  return out;
}

/** Parses a decoded claims set. */
export function parseClaims(value: CborValue): CwtClaims {
  if (!(value instanceof CborMap)) return bad('claims set is not a map');
  const m = value;
  const cnf = m.get(Claim.Cnf);
  if (m.has(Claim.Cnf) && !(cnf instanceof CborMap)) bad('cnf is not a map');
  const scope = m.get(Claim.Scope);
  if (m.has(Claim.Scope) && typeof scope !== 'string' && !(scope instanceof Uint8Array)) bad('scope is not text or bytes');
  const profile = m.get(Claim.AceProfile);
  if (m.has(Claim.AceProfile) && !isInt(profile)) bad('ace_profile is not an integer');
  const exi = m.get(Claim.Exi);
  if (m.has(Claim.Exi) && !(isInt(exi) && (exi as number) >= 0)) bad('exi is not an unsigned integer');
  return {
    iss: text(m, Claim.Iss, 'iss'),
    sub: text(m, Claim.Sub, 'sub'),
    aud: audience(m),
    exp: numericDate(m, Claim.Exp, 'exp'),
    nbf: numericDate(m, Claim.Nbf, 'nbf'),
    iat: numericDate(m, Claim.Iat, 'iat'),
    cti: bytes(m, Claim.Cti, 'cti'),
    cnf: m.has(Claim.Cnf) ? (cnf as CborMap) : null,
    scope: m.has(Claim.Scope) ? (scope as string | Uint8Array) : null,
    aceProfile: m.has(Claim.AceProfile) ? (profile as number) : null,
    cnonce: bytes(m, Claim.Cnonce, 'cnonce'),
    exi: m.has(Claim.Exi) ? (exi as number) : null,
    map: m,
  };
}

/** Decodes and parses claims bytes (a verified payload or plaintext); bad CBOR is 'malformed_claims' too. */
export function decodeClaims(payload: Uint8Array, codec: CborCodec): CwtClaims {
  let v: CborValue;
  try {
    v = codec.decode(payload);
  } catch (e) {
    return bad(isCoreError(e) && e.kind === 'unsupported_cbor' ? 'claims set holds unsupported CBOR' : 'claims set is not well-formed CBOR');
  }
  return parseClaims(v);
}
