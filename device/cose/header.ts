/**
 * The two header buckets of every COSE layer (RFC 9052 §3).
 *
 * The protected bucket is kept as the exact bytes received: the *_structures are built from
 * them, never from a re-encoding. Checks made here, for every layer:
 * - each bucket is a map (the protected one a bstr holding a map, or empty);
 * - no label appears in both buckets (§3 says SHOULD; we reject);
 * - `crit` (§3.1) sits in the protected bucket, is a non-empty array of labels, each of them
 *   present in the protected bucket and understood by this layer;
 * - the common parameters have their registered types (Table 3); IV and Partial IV not both.
 * Any failure is 'malformed_cose'.
 *
 * alg: §3.1 says it MUST be authenticated where the ability exists. Every layer this code
 * processes can authenticate it (the protected bucket is covered by the signature, the MAC,
 * the AEAD, or — for an ECDH-ES recipient — the KDF context), so `algOf` requires alg in the
 * protected bucket and rejects one found only in the unprotected bucket. (The alternative of
 * authenticating alg through external AAD is not offered.)
 */
import { fail } from '../errors.ts';
import { CborCodec, CborKey, CborMap, CborValue } from '../codec/cbor.ts';
import { Header } from './iana.ts';

export interface Headers {
  /** The protected bucket exactly as received (the content of its bstr; empty when none). */
  protectedBytes: Uint8Array;
  protected: CborMap;
  unprotected: CborMap;
}

/** Labels every content layer understands (RFC 9052 Table 3). */
export const CONTENT_LABELS: number[] = [Header.Alg, Header.Crit, Header.ContentType, Header.Kid, Header.IV, Header.PartialIV];

/** Labels an ECDH-ES recipient layer understands (adds RFC 9053 Tables 9, 10, 15). */
export const RECIPIENT_LABELS: number[] = [
  Header.Alg, Header.Crit, Header.Kid, Header.EphemeralKey, Header.Salt,
  Header.PartyUIdentity, Header.PartyUNonce, Header.PartyUOther,
  Header.PartyVIdentity, Header.PartyVNonce, Header.PartyVOther,
];

function bad(message: string): never {
  return fail('malformed_cose', message);
}

/** Decodes with the given codec; anything thrown becomes 'malformed_cose'. */
function decodeProtected(bytes: Uint8Array, codec: CborCodec): CborMap {
  if (bytes.length === 0) return new CborMap();
  let v: CborValue;
  try {
    v = codec.decode(bytes);
  } catch (e) {
    return bad('protected header is not well-formed CBOR');
  }
  if (!(v instanceof CborMap)) return bad('protected header is not a map');
  return v;
}

function checkTypes(m: CborMap): void {
  const alg = m.get(Header.Alg);
  if (m.has(Header.Alg) && typeof alg !== 'number' && typeof alg !== 'string') bad('alg has the wrong type');
  const ct = m.get(Header.ContentType);
  if (m.has(Header.ContentType) && typeof ct !== 'number' && typeof ct !== 'string') bad('content type has the wrong type');
  if (m.has(Header.Kid) && !(m.get(Header.Kid) instanceof Uint8Array)) bad('kid is not a byte string');
  if (m.has(Header.IV) && !(m.get(Header.IV) instanceof Uint8Array)) bad('IV is not a byte string');
  if (m.has(Header.PartialIV) && !(m.get(Header.PartialIV) instanceof Uint8Array)) bad('Partial IV is not a byte string');
}

function checkCrit(h: Headers, understood: number[]): void {
  if (h.unprotected.has(Header.Crit)) bad('crit must be in the protected bucket');
  if (!h.protected.has(Header.Crit)) return;
  const crit = h.protected.get(Header.Crit);
  if (!Array.isArray(crit) || crit.length === 0) return bad('crit is not a non-empty array');
  for (let i = 0; i < crit.length; i++) {
    const label = crit[i];
    if (typeof label !== 'number' && typeof label !== 'string') bad('crit holds a non-label');
    if (!h.protected.has(label as CborKey)) bad('crit names a label absent from the protected bucket');
    if (typeof label !== 'number' || understood.indexOf(label) < 0) bad('unknown critical header parameter');
  }
}

/**
 * Decodes and checks the two buckets of one layer. `understood` lists the labels this layer
 * processes; `crit` may only name those.
 */
export function decodeHeaders(protectedItem: CborValue, unprotectedItem: CborValue, understood: number[], codec: CborCodec): Headers {
  if (!(protectedItem instanceof Uint8Array)) return bad('protected bucket is not a byte string');
  if (!(unprotectedItem instanceof CborMap)) return bad('unprotected bucket is not a map');
  const h: Headers = { protectedBytes: protectedItem, protected: decodeProtected(protectedItem, codec), unprotected: unprotectedItem };
  for (let i = 0; i < h.protected.keys.length; i++) {
    if (h.unprotected.has(h.protected.keys[i])) bad('a label appears in both header buckets');
  }
  checkTypes(h.protected);
  checkTypes(h.unprotected);
  checkCrit(h, understood);
  if (has(h, Header.IV) && has(h, Header.PartialIV)) bad('IV and Partial IV both present');
  return h;
}

export function has(h: Headers, label: number): boolean {
  return h.protected.has(label) || h.unprotected.has(label);
}

/** The value of a header parameter, protected bucket first (RFC 9052 §3). */
export function headerValue(h: Headers, label: number): CborValue {
  return h.protected.has(label) ? h.protected.get(label) : h.unprotected.get(label);
}

/** The layer's algorithm; it must be protected (see the file comment). */
export function algOf(h: Headers): number {
  if (!h.protected.has(Header.Alg)) {
    return h.unprotected.has(Header.Alg) ? bad('alg must be in the protected bucket') : bad('alg is missing');
  }
  const alg = h.protected.get(Header.Alg);
  if (typeof alg !== 'number') return fail('unsupported_algorithm', 'alg given as text is not supported');
  return alg;
}

export function kidOf(h: Headers): Uint8Array | null {
  const kid = headerValue(h, Header.Kid);
  return kid instanceof Uint8Array ? kid : null;
}

/** Encodes a protected bucket; an empty map becomes the empty bstr (RFC 9052 §3 SHOULD). */
export function encodeProtected(m: CborMap, codec: CborCodec): Uint8Array {
  return m.size === 0 ? new Uint8Array(0) : codec.encode(m);
}

/** What a builder may add to a layer's buckets beside what the algorithm itself puts there. */
export interface HeaderOptions {
  /** Extra protected parameters (alg is always set by the builder). */
  protected?: CborMap;
  /** Extra unprotected parameters. */
  unprotected?: CborMap;
}

/** Options of every message builder. */
export interface BuildOptions extends HeaderOptions {
  /** Externally supplied data (RFC 9052 §4.3); empty when absent. */
  externalAad?: Uint8Array;
  /** Wrap the message in its COSE tag. */
  tagged?: boolean;
}

export interface Buckets {
  protected: CborMap;
  unprotected: CborMap;
}

/** Copies the caller's buckets so a builder can add its own parameters without side effects. */
export function startBuckets(opts: HeaderOptions | undefined, alg: number): Buckets {
  const p = new CborMap();
  const u = new CborMap();
  p.set(Header.Alg, alg);
  if (opts && opts.protected) opts.protected.forEach((v, k) => { if (k !== Header.Alg) p.set(k, v); });
  if (opts && opts.unprotected) opts.unprotected.forEach((v, k) => { if (!p.has(k)) u.set(k, v); });
  return { protected: p, unprotected: u };
}

/** Puts a kid in the unprotected bucket unless the caller placed one already. */
export function addKid(b: Buckets, kid: Uint8Array | null): void {
  if (kid !== null && !b.protected.has(Header.Kid) && !b.unprotected.has(Header.Kid)) b.unprotected.set(Header.Kid, kid);
}
