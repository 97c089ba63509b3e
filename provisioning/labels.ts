/**
 * The names `inspect` shows: COSE (RFC 9052/9053 registries), CWT claims (RFC 8392, RFC 9200
 * §8.14), cnf (RFC 8747) and osc (RFC 9203), and the fields of this tool's files. Each
 * structure is an EDN schema (edn.ts); key material is marked secret.
 */
import { CborMap } from '../device/codec/cbor.ts';
import type { CborKey, CborValue } from '../device/codec/cbor.ts';
import { Alg, Curve, Header, KeyLabel, KeyOp, KeyType } from '../device/cose/iana.ts';
import { Claim, CnfMethod, OscLabel } from '../device/cwt/iana.ts';
import { AceProfile, AifMethod } from '../device/ace/numbers.ts';
import { UpdateLabel } from '../device/ace/anchors.ts';
import type { Field, Schema } from './edn.ts';

const ALG_NAMES: { [alg: number]: string } = {
  [Alg.ES256]: 'ES256', [Alg.EdDSA]: 'EdDSA', [Alg.ECDH_ES_HKDF_256]: 'ECDH-ES + HKDF-256',
  [Alg.HMAC_256_64]: 'HMAC 256-64', [Alg.HMAC_256_256]: 'HMAC 256-256', [Alg.A128GCM]: 'A128GCM',
  [Alg.A256GCM]: 'A256GCM', [Alg.AES_CCM_16_64_128]: 'AES-CCM-16-64-128',
  [Alg.AES_CCM_16_128_128]: 'AES-CCM-16-128-128', [Alg.ChaCha20Poly1305]: 'ChaCha20-Poly1305',
  [Alg.HKDF_SHA_256]: 'HKDF SHA-256',
};
const CURVE_NAMES: { [crv: number]: string } = { [Curve.P256]: 'P-256', [Curve.X25519]: 'X25519', [Curve.Ed25519]: 'Ed25519' };
const KTY_NAMES: { [kty: number]: string } = { [KeyType.OKP]: 'OKP', [KeyType.EC2]: 'EC2', [KeyType.Symmetric]: 'Symmetric' };
const KEY_OP_NAMES: { [op: number]: string } = {
  [KeyOp.Sign]: 'sign', [KeyOp.Verify]: 'verify', [KeyOp.Encrypt]: 'encrypt', [KeyOp.Decrypt]: 'decrypt',
  [KeyOp.WrapKey]: 'wrap key', [KeyOp.UnwrapKey]: 'unwrap key', [KeyOp.DeriveKey]: 'derive key',
  [KeyOp.DeriveBits]: 'derive bits', [KeyOp.MacCreate]: 'MAC create', [KeyOp.MacVerify]: 'MAC verify',
};
const METHOD_NAMES: Array<[number, string]> = [
  [AifMethod.GET, 'GET'], [AifMethod.POST, 'POST'], [AifMethod.PUT, 'PUT'], [AifMethod.DELETE, 'DELETE'],
  [AifMethod.FETCH, 'FETCH'], [AifMethod.PATCH, 'PATCH'], [AifMethod.iPATCH, 'iPATCH'],
];

function named(table: { [n: number]: string }): (v: CborValue) => string | null {
  return (v) => (typeof v === 'number' && table[v] !== undefined ? table[v] : null);
}

export function algName(alg: number): string {
  return ALG_NAMES[alg] || String(alg);
}

/** A NumericDate as ISO 8601 (UTC). */
export function dateText(v: number): string {
  return new Date(v * 1000).toISOString().replace('.000Z', 'Z');
}

const dateNote = (v: CborValue): string | null => (typeof v === 'number' && Number.isFinite(v) ? dateText(v) : null);

/** kids made of printable ASCII are shown as text too. */
export function printable(b: Uint8Array): string | null {
  if (b.length === 0) return null;
  for (const c of b) if (c < 0x20 || c > 0x7e || c === 0x2f) return null;
  return '"' + Buffer.from(b).toString('latin1') + '"';
}

const kidNote = (v: CborValue): string | null => (v instanceof Uint8Array ? printable(v) : null);

function methodNames(bits: number): string {
  return METHOD_NAMES.filter((m) => (bits & m[0]) !== 0).map((m) => m[1]).join(' ');
}

function fields(table: { [key: string]: Field }): Schema {
  return { field: (key: CborKey) => table[String(key)] };
}

function items(list: Field[]): Schema {
  return { item: (i: number) => list[i] };
}

function each(schema: Schema): Schema {
  return { item: () => ({ schema }) };
}

const BYTES: Schema = {};
const SECRET: Schema = { secret: true };
const KID: Schema = { note: kidNote };
const DATE: Schema = { note: dateNote };

// ------------------------------------------------------------------ COSE

const COMMON_KEY_FIELDS: { [key: string]: Field } = {
  [KeyLabel.Kty]: { label: 'kty', schema: { note: named(KTY_NAMES) } },
  [KeyLabel.Kid]: { label: 'kid', schema: KID },
  [KeyLabel.Alg]: { label: 'alg', schema: { note: named(ALG_NAMES) } },
  [KeyLabel.KeyOps]: { label: 'key_ops', schema: { item: () => ({ schema: { note: named(KEY_OP_NAMES) } }) } },
  [KeyLabel.BaseIV]: { label: 'Base IV' },
};

/** COSE_Key (RFC 9052 §7, RFC 9053 Tables 19–21): d and k are secret. */
export const COSE_KEY: Schema = {
  field: (key: CborKey, map: CborMap) => {
    const common = COMMON_KEY_FIELDS[String(key)];
    if (common) return common;
    if (map.get(KeyLabel.Kty) === KeyType.Symmetric) return key === KeyLabel.K ? { label: 'k', schema: SECRET } : undefined;
    switch (key) {
      case KeyLabel.Crv: return { label: 'crv', schema: { note: named(CURVE_NAMES) } };
      case KeyLabel.X: return { label: 'x' };
      case KeyLabel.Y: return { label: 'y' };
      case KeyLabel.D: return { label: 'd', schema: SECRET };
      default: return undefined;
    }
  },
};

const HEADERS: Schema = fields({
  [Header.Alg]: { label: 'alg', schema: { note: named(ALG_NAMES) } },
  [Header.Crit]: { label: 'crit' },
  [Header.ContentType]: { label: 'content type', schema: { note: (v) => (v === 61 ? 'application-cwt' : null) } },
  [Header.Kid]: { label: 'kid', schema: KID },
  [Header.IV]: { label: 'IV' },
  [Header.PartialIV]: { label: 'Partial IV' },
  [Header.EphemeralKey]: { label: 'ephemeral key', schema: COSE_KEY },
  [Header.StaticKey]: { label: 'static key', schema: COSE_KEY },
  [Header.StaticKeyId]: { label: 'static key id', schema: KID },
  [Header.Salt]: { label: 'salt' },
  [Header.PartyUIdentity]: { label: 'PartyU identity' },
  [Header.PartyUNonce]: { label: 'PartyU nonce' },
  [Header.PartyUOther]: { label: 'PartyU other' },
  [Header.PartyVIdentity]: { label: 'PartyV identity' },
  [Header.PartyVNonce]: { label: 'PartyV nonce' },
  [Header.PartyVOther]: { label: 'PartyV other' },
});

const PROTECTED: Field = { label: 'protected', schema: { embedded: HEADERS } };
const UNPROTECTED: Field = { label: 'unprotected', schema: HEADERS };

export function sign1(payload: Schema): Schema {
  return items([PROTECTED, UNPROTECTED, { label: 'payload', schema: { embedded: payload } }, { label: 'signature' }]);
}

export function mac0(payload: Schema): Schema {
  return items([PROTECTED, UNPROTECTED, { label: 'payload', schema: { embedded: payload } }, { label: 'tag' }]);
}

const RECIPIENT = items([PROTECTED, UNPROTECTED, { label: 'ciphertext' }]);
export const ENCRYPT0: Schema = items([PROTECTED, UNPROTECTED, { label: 'ciphertext' }]);
export const ENCRYPT: Schema = items([PROTECTED, UNPROTECTED, { label: 'ciphertext' }, { label: 'recipients', schema: each(RECIPIENT) }]);

/** A COSE_Encrypt0 or COSE_Encrypt, tagged or not (an Encrypted_COSE_Key). */
const ENCRYPTED_KEY: Schema = {
  tagged: { item: (i, a) => (a.length === 3 ? ENCRYPT0 : ENCRYPT).item!(i, a) },
  item: (i, a) => (a.length === 3 ? ENCRYPT0 : ENCRYPT).item!(i, a),
};

// ------------------------------------------------------------------ CWT

export const OSC: Schema = fields({
  [OscLabel.Id]: { label: 'id' },
  [OscLabel.Version]: { label: 'version' },
  [OscLabel.Ms]: { label: 'ms', schema: SECRET },
  [OscLabel.Hkdf]: { label: 'hkdf', schema: { note: named(ALG_NAMES) } },
  [OscLabel.Alg]: { label: 'alg', schema: { note: named(ALG_NAMES) } },
  [OscLabel.Salt]: { label: 'salt' },
  [OscLabel.ContextId]: { label: 'contextId' },
});

export const CNF: Schema = fields({
  [CnfMethod.CoseKey]: { label: 'COSE_Key', schema: COSE_KEY },
  [CnfMethod.EncryptedCoseKey]: { label: 'Encrypted_COSE_Key', schema: ENCRYPTED_KEY },
  [CnfMethod.Kid]: { label: 'kid', schema: KID },
  [CnfMethod.Osc]: { label: 'osc', schema: OSC },
});

const AIF: Schema = { item: () => ({ schema: { item: (i) => (i === 1 ? { schema: { note: (v) => (typeof v === 'number' ? methodNames(v) : null) } } : undefined) } }) };

export const CLAIMS: Schema = fields({
  [Claim.Iss]: { label: 'iss' },
  [Claim.Sub]: { label: 'sub' },
  [Claim.Aud]: { label: 'aud' },
  [Claim.Exp]: { label: 'exp', schema: DATE },
  [Claim.Nbf]: { label: 'nbf', schema: DATE },
  [Claim.Iat]: { label: 'iat', schema: DATE },
  [Claim.Cti]: { label: 'cti' },
  [Claim.Cnf]: { label: 'cnf', schema: CNF },
  [Claim.Scope]: { label: 'scope', schema: { embedded: AIF } },
  [Claim.AceProfile]: { label: 'ace_profile', schema: { note: (v) => (v === AceProfile.CoapOscore ? 'coap_oscore' : null) } },
  [Claim.Cnonce]: { label: 'cnonce' },
  [Claim.Exi]: { label: 'exi', schema: { note: (v) => (typeof v === 'number' ? v + ' s after reception' : null) } },
});

/** The schema of a value wrapped in `tags` tags (61(18([...])) has two). */
export function underTags(schema: Schema, tags: number): Schema {
  let s = schema;
  for (let i = 0; i < tags; i++) s = { tagged: s };
  return s;
}

export const ANCHOR_UPDATE: Schema = fields({
  [UpdateLabel.Seq]: { label: 'seq' },
  [UpdateLabel.Add]: { label: 'add', schema: COSE_KEY },
  [UpdateLabel.Nbf]: { label: 'nbf', schema: DATE },
  [UpdateLabel.Retire]: { label: 'retire', schema: each(KID) },
});

// ------------------------------------------------------------------ this tool's files

const KEYS: Schema = each(COSE_KEY);
const SCOPES: Schema = { field: () => ({ schema: each({ item: (i) => (i === 1 ? { schema: { note: (v) => (typeof v === 'number' ? methodNames(v) : null) } } : undefined) }) }) };
const CHANNEL: Schema = fields({ ms: { schema: SECRET }, salt: {}, sid: {}, rid: {}, ctx: {} });

export const KEYSTORE_PAYLOAD: Schema = fields({
  as: { schema: fields({ keys: { schema: KEYS } }) },
  key: { schema: COSE_KEY },
  sym: { schema: KEYS },
  asOscore: { schema: CHANNEL },
  scopes: { schema: SCOPES },
});

export const RECORD_PAYLOAD: Schema = fields({
  as: { schema: fields({ id: { schema: BYTES } }) },
  key: { schema: COSE_KEY },
  sym: { schema: KEYS },
  asOscore: { schema: CHANNEL },
  scopes: { schema: SCOPES },
  created: { schema: DATE },
});

const AS_KEY_ENTRY: Schema = fields({ key: { schema: COSE_KEY }, nbf: { schema: DATE } });

export const AS_PAYLOAD: Schema = fields({ keys: { schema: each(AS_KEY_ENTRY) }, created: { schema: DATE } });
export const ANCHORS_PAYLOAD: Schema = fields({ keys: { schema: each(AS_KEY_ENTRY) } });

/** A sealed file [magic, version, payload, sha256(payload)] with `payload` its schema. */
export function sealedSchema(payload: Schema, digestNote: string): Schema {
  return items([{ label: 'magic' }, { label: 'version' }, { label: 'payload', schema: { embedded: payload } }, { label: 'sha-256 of payload', schema: { note: () => digestNote } }]);
}
