/**
 * The cnf claim (RFC 8747 §3): which key the presenter of a token must prove it holds.
 * Members (Table 1, and RFC 9203 §3.2 for osc):
 *   1 COSE_Key           a key in the clear (a public key; or a symmetric one inside an encrypted token)
 *   2 Encrypted_COSE_Key a COSE_Key encrypted to this device: COSE_Encrypt0 under an AS–device
 *                        symmetric key, or COSE_Encrypt with ECDH-ES + HKDF-256 to the device's key pair
 *   3 kid                names a key the device already holds
 *   4 osc                OSCORE_Input_Material (RFC 9203 §3.2.1) for the OSCORE profile
 * A cnf carries exactly one of these (RFC 8747 §3.1: a single proof-of-possession key).
 * Every failure here is 'bad_cnf' (RFC 9200 §5.10.1.1 answers it 4.00 unsupported_pop_key).
 */
import { CoreError, fail, isCoreError } from '../errors.ts';
import { CborCodec, CborMap, CborTag, CborValue } from '../codec/cbor.ts';
import { CryptoProvider } from '../crypto/provider.ts';
import { CoseTag, KeyOp } from '../cose/iana.ts';
import { algOf, kidOf } from '../cose/header.ts';
import { CoseKey, parseCoseKey } from '../cose/key.ts';
import { candidateKeys } from '../cose/keyset.ts';
import { decodeCbor, EMPTY } from '../cose/message.ts';
import { decodeEncrypt0, decryptEncrypt0 } from '../cose/encrypt0.ts';
import { decodeEncrypt, decryptEncrypt } from '../cose/encrypt.ts';
import { CnfMethod, OscLabel } from './iana.ts';

/** OSCORE_Input_Material (RFC 9203 §3.2.1). id and ms are required by the profile (§3.2). */
export interface OscoreInputMaterial {
  id: Uint8Array;
  version: number | null;
  ms: Uint8Array;
  /** HKDF algorithm, integer or text as registered in COSE Algorithms; null for the default. */
  hkdf: number | string | null;
  /** AEAD algorithm, integer or text; null for the default. */
  alg: number | string | null;
  salt: Uint8Array | null;
  contextId: Uint8Array | null;
}

export type Confirmation =
  | { kind: 'key'; key: CoseKey; encrypted: boolean }
  | { kind: 'kid'; kid: Uint8Array }
  | { kind: 'osc'; osc: OscoreInputMaterial };

function bad(message: string): never {
  return fail('bad_cnf', message);
}

/** Re-raises a failure of a lower layer as 'bad_cnf', keeping its (secret-free) message. */
function asBadCnf(e: unknown, what: string): never {
  if (isCoreError(e) && e.kind !== 'internal') return bad(what + ': ' + (e as CoreError).message);
  throw e;
}

function oscBytes(m: CborMap, label: number, name: string): Uint8Array | null {
  if (!m.has(label)) return null;
  const v = m.get(label);
  if (!(v instanceof Uint8Array)) return bad('osc ' + name + ' is not a byte string');
  return v;
}

function oscAlg(m: CborMap, label: number, name: string): number | string | null {
  if (!m.has(label)) return null;
  const v = m.get(label);
  if (typeof v === 'string') return v;
  if (typeof v !== 'number' || Math.floor(v) !== v) return bad('osc ' + name + ' is not an integer or text');
  return v;
}

/** Parses an OSCORE_Input_Material map. */
export function parseOsc(value: CborValue): OscoreInputMaterial {
  if (!(value instanceof CborMap)) return bad('osc is not a map');
  const id = oscBytes(value, OscLabel.Id, 'id');
  const ms = oscBytes(value, OscLabel.Ms, 'ms');
  if (id === null || ms === null) return bad('osc lacks id or ms');
  if (ms.length === 0) bad('osc ms is empty');
  const version = value.get(OscLabel.Version);
  if (value.has(OscLabel.Version) && !(typeof version === 'number' && Math.floor(version) === version && version >= 0)) bad('osc version is not an unsigned integer');
  return {
    id: id,
    version: value.has(OscLabel.Version) ? (version as number) : null,
    ms: ms,
    hkdf: oscAlg(value, OscLabel.Hkdf, 'hkdf'),
    alg: oscAlg(value, OscLabel.Alg, 'alg'),
    salt: oscBytes(value, OscLabel.Salt, 'salt'),
    contextId: oscBytes(value, OscLabel.ContextId, 'contextId'),
  };
}

/** COSE_Encrypt0 is [3 items] (tag 16); COSE_Encrypt is [4 items] (tag 96). */
function isEncrypt0(v: CborValue): boolean {
  if (v instanceof CborTag) return v.tag === CoseTag.Encrypt0;
  return Array.isArray(v) && v.length === 3;
}

/** Decrypts an Encrypted_COSE_Key with the device's keys (symmetric ones, or its ECDH key pair). */
function decryptKey(v: CborValue, keys: CoseKey[], provider: CryptoProvider, codec: CborCodec): Uint8Array {
  if (isEncrypt0(v)) {
    const msg = decodeEncrypt0(v, codec);
    const candidates = candidateKeys(keys, kidOf(msg.headers), algOf(msg.headers), KeyOp.Decrypt);
    let last: unknown = null;
    for (let i = 0; i < candidates.length; i++) {
      try {
        return decryptEncrypt0(msg, candidates[i], EMPTY, provider, codec);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }
  const msg = decodeEncrypt(v, codec);
  const r = msg.recipient.headers;
  const candidates = candidateKeys(keys, kidOf(r), algOf(r), KeyOp.DeriveKey);
  let last: unknown = null;
  for (let i = 0; i < candidates.length; i++) {
    try {
      return decryptEncrypt(msg, candidates[i], EMPTY, provider, codec);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/**
 * Reads a cnf claim. `keys` are the device's own keys able to decrypt an Encrypted_COSE_Key:
 * AS–device symmetric keys and the device's ECDH key pair(s).
 */
export function readConfirmation(cnf: CborMap, keys: CoseKey[], provider: CryptoProvider, codec: CborCodec): Confirmation {
  if (cnf.size !== 1) return bad('cnf must carry exactly one confirmation method');
  const method = cnf.keys[0];
  const value = cnf.values[0];
  switch (method) {
    case CnfMethod.CoseKey:
      try {
        return { kind: 'key', key: parseCoseKey(value), encrypted: false };
      } catch (e) {
        return asBadCnf(e, 'COSE_Key');
      }
    case CnfMethod.EncryptedCoseKey: {
      let plaintext: Uint8Array;
      let key: CoseKey;
      try {
        plaintext = decryptKey(value, keys, provider, codec);
        key = parseCoseKey(decodeCbor(plaintext, codec));
      } catch (e) {
        return asBadCnf(e, 'Encrypted_COSE_Key');
      }
      return { kind: 'key', key: key, encrypted: true };
    }
    case CnfMethod.Kid:
      if (!(value instanceof Uint8Array)) return bad('cnf kid is not a byte string');
      return { kind: 'kid', kid: value };
    case CnfMethod.Osc:
      return { kind: 'osc', osc: parseOsc(value) };
    default:
      return bad('unsupported confirmation method');
  }
}

/** Whether a confirmation carries secret key material (which must never travel in the clear). */
export function carriesSecret(c: Confirmation): boolean {
  if (c.kind === 'osc') return true;
  if (c.kind === 'key') return c.key.k !== null || c.key.privateKey !== null;
  return false;
}
