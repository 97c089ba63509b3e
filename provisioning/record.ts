/**
 * The registration record: what the AS keeps of each device it provisioned (written by
 * `ace-provision device` and `batch` as OUT/record.cbor, mode 0600; read by `token` and by
 * the simulator's AS).
 *
 * File: sealed "ace-device-record" version 1 (see sealed.ts: [magic, version, payload,
 * sha256(payload)]). Payload map, text keys:
 *   id       text        serial
 *   aud      text        the audience tokens for this device carry
 *   kind     text        "lock" | "sensor"
 *   mode     text        "connected" | "disconnected"
 *   clock    bool        whether the device has a real-time clock (else exi + cnonce)
 *   as       map         { id: bstr, uri: text } — the AS that provisioned it
 *   key      COSE_Key    the device's public key (X25519 or P-256), for ECDH-ES cnf
 *   sym      [COSE_Key]  the AS–device symmetric keys (AES-CCM-16-64-128, HMAC 256/64) — secret
 *   asOscore map?       the AS's half of the OSCORE channel with a connected device:
 *                       { ms, salt?, sid, rid, ctx? }, sid being the AS's Sender ID — secret
 *   scopes   map         text scope token -> [[path, methods]] (AIF method bits)
 *   once     [text]?     scope tokens whose tokens are single-use
 *   created  uint        NumericDate of provisioning
 */
import { CborMap, CborValue } from '../device/codec/cbor.ts';
import { fail } from '../device/errors.ts';
import type { CoseKey } from '../device/cose/key.ts';
import { coseKeyToMap } from '../device/cose/key.ts';
import { KeyType } from '../device/cose/iana.ts';
import type { TextScopeDefinition } from '../device/ace/scope.ts';
import type { DeviceEntry } from '../sim/as/issuer.ts';
import { Fields, coseKey } from './fields.ts';
import { RECORD_MAGIC, openSealed, seal } from './sealed.ts';
import type { Sha256 } from './sealed.ts';
import { scopeTableFromCbor, scopeTableToCbor } from './scopes.ts';

/** The AS's side of its OSCORE channel with a connected device. */
export interface AsChannel {
  masterSecret: Uint8Array;
  masterSalt: Uint8Array;
  /** The AS's Sender ID (the device's Recipient ID). */
  senderId: Uint8Array;
  /** The AS's Recipient ID (the device's Sender ID). */
  recipientId: Uint8Array;
  idContext: Uint8Array | null;
}

export interface DeviceRecord {
  id: string;
  audience: string;
  kind: string;
  mode: string;
  hasClock: boolean;
  asId: Uint8Array;
  asUri: string;
  devicePublicKey: CoseKey;
  sharedKeys: CoseKey[];
  asOscore: AsChannel | null;
  scopes: TextScopeDefinition;
  singleUse: string[];
  created: number;
}

function channelToMap(c: AsChannel): CborMap {
  const m = new CborMap().set('ms', c.masterSecret);
  if (c.masterSalt.length > 0) m.set('salt', c.masterSalt);
  m.set('sid', c.senderId).set('rid', c.recipientId);
  if (c.idContext !== null) m.set('ctx', c.idContext);
  return m;
}

/** The payload map of a record (the inverse of parseRecordPayload). */
export function recordPayload(r: DeviceRecord): CborMap {
  const m = new CborMap();
  m.set('id', r.id).set('aud', r.audience).set('kind', r.kind).set('mode', r.mode).set('clock', r.hasClock);
  m.set('as', new CborMap().set('id', r.asId).set('uri', r.asUri));
  m.set('key', coseKeyToMap(r.devicePublicKey, false));
  m.set('sym', r.sharedKeys.map((k) => coseKeyToMap(k, true) as CborValue));
  if (r.asOscore !== null) m.set('asOscore', channelToMap(r.asOscore));
  m.set('scopes', scopeTableToCbor(r.scopes));
  if (r.singleUse.length > 0) m.set('once', r.singleUse.slice());
  m.set('created', r.created);
  return m;
}

function oneOf(f: Fields, key: string, allowed: string[]): string {
  const v = f.text(key);
  if (allowed.indexOf(v) < 0) f.bad(key, 'must be ' + allowed.join(' or '));
  return v;
}

/** Parses a record's payload map; CoreError 'bad_request' naming `where` and the field. */
export function parseRecordPayload(m: CborMap, where: string): DeviceRecord {
  const f = new Fields(m, where);
  const as = f.map('as');
  const key = f.key('key');
  if (key.privateKey !== null || key.kty === KeyType.Symmetric) f.bad('key', 'must be the device\'s public key only');
  const sym = f.array('sym').map((v, i) => coseKey(v, where, 'sym[' + i + ']'));
  for (const k of sym) if (k.kty !== KeyType.Symmetric) f.bad('sym', 'holds a non-symmetric key');
  let asOscore: AsChannel | null = null;
  if (f.has('asOscore')) {
    const o = f.map('asOscore');
    asOscore = {
      masterSecret: o.bytes('ms'),
      masterSalt: o.optBytes('salt') || new Uint8Array(0),
      senderId: o.bytes('sid'),
      recipientId: o.bytes('rid'),
      idContext: o.optBytes('ctx'),
    };
  }
  const mode = oneOf(f, 'mode', ['connected', 'disconnected']);
  if (mode === 'connected' && asOscore === null) f.bad('asOscore', 'is missing for a connected device');
  const once: string[] = [];
  if (f.has('once')) {
    for (const s of f.array('once')) {
      if (typeof s !== 'string') f.bad('once', 'holds a non-text scope');
      once.push(s as string);
    }
  }
  return {
    id: f.text('id'),
    audience: f.text('aud'),
    kind: oneOf(f, 'kind', ['lock', 'sensor']),
    mode,
    hasClock: f.bool('clock'),
    asId: as.bytes('id'),
    asUri: as.text('uri'),
    devicePublicKey: key,
    sharedKeys: sym,
    asOscore,
    scopes: scopeTableFromCbor(m.get('scopes'), where),
    singleUse: once,
    created: f.uint('created'),
  };
}

/** The sealed file bytes of a record. */
export function sealRecord(r: DeviceRecord, sha256: Sha256): Uint8Array {
  return seal(RECORD_MAGIC, recordPayload(r), sha256);
}

/** Opens and parses a record file; `where` names it in errors (a path, say). */
export function openRecord(bytes: Uint8Array, sha256: Sha256, where: string): DeviceRecord {
  return parseRecordPayload(openSealed(bytes, RECORD_MAGIC, where, sha256).payload, where);
}

/** What the token issuer needs of a device (sim/as/issuer.ts). */
export function deviceEntryOf(r: DeviceRecord): DeviceEntry {
  return { audience: r.audience, publicKey: r.devicePublicKey, sharedKeys: r.sharedKeys, hasClock: r.hasClock };
}

/** The record's AS–device key for `alg` (AES-CCM-16-64-128 or HMAC 256/64). */
export function sharedKeyOf(r: DeviceRecord, alg: number): CoseKey {
  const k = r.sharedKeys.find((key) => key.alg === alg);
  if (k === undefined) return fail('bad_request', 'the record of ' + r.id + ' has no AS–device key for algorithm ' + alg);
  return k;
}
