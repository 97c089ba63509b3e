/**
 * The device keystore: what the factory flashes (written by `ace-provision device`).
 *
 * File: CBOR array ["ace-device-keystore", version 1, payload: bstr, sha256(payload): bstr],
 * so a truncated or corrupted file is refused whole, never half-used. Payload: a CBOR map
 * with text keys —
 *   id      text        serial / device id
 *   kind    text        "lock" | "sensor"
 *   aud     text        the audience tokens for this device carry
 *   mode    text        "connected" (may introspect at the AS) | "disconnected"
 *   clock   bool        whether the device has a real-time clock (else exi + cnonce)
 *   as      map         { uri: text, keys: [COSE_Key], seq?: uint } — the AS's public keys
 *                       (trust anchors) and the sequence number of that set (anchors.ts)
 *   key     COSE_Key    the device's own key pair (X25519 or P-256), for ECDH-ES cnf
 *   sym     [COSE_Key]  AS–device symmetric keys (Mac0/Encrypt0 tokens, Encrypted_COSE_Key)
 *   asOscore map?       { ms, salt, sid, rid, ctx? } — the device's OSCORE context with the AS
 *                       (connected mode: introspection, RFC 9200 §5.9)
 *   scopes  map?        text scope token -> [[path, methods]] (AIF-like); defaults by kind
 *   once    [text]?     text scope tokens whose tokens are single-use
 */
import { CborMap, CborValue, decode, encode } from '../codec/cbor.ts';
import { bytesEqual } from '../codec/bytes.ts';
import { fail } from '../errors.ts';
import type { CoseKey } from '../cose/key.ts';
import { coseKeyToMap, parseCoseKey } from '../cose/key.ts';
import type { Grant, TextScopeDefinition } from '../ace/scope.ts';

export const KEYSTORE_MAGIC = 'ace-device-keystore';
export const KEYSTORE_VERSION = 1;

export interface AsOscoreConfig {
  masterSecret: Uint8Array;
  masterSalt: Uint8Array;
  /** The device's Sender ID towards the AS. */
  senderId: Uint8Array;
  recipientId: Uint8Array;
  idContext: Uint8Array | null;
}

export interface DeviceKeystore {
  id: string;
  kind: string;
  audience: string;
  mode: string;
  hasClock: boolean;
  asUri: string;
  asKeys: CoseKey[];
  /** Sequence number of the anchor set in asKeys (device/ace/anchors.ts); 0 when absent. */
  asSeq?: number;
  deviceKey: CoseKey;
  symmetricKeys: CoseKey[];
  asOscore: AsOscoreConfig | null;
  scopes: TextScopeDefinition | null;
  singleUse: string[];
}

function bad(message: string): never {
  return fail('bad_request', 'keystore: ' + message);
}

function text(m: CborMap, key: string): string {
  const v = m.get(key);
  if (typeof v !== 'string' || v.length === 0) return bad(key + ' missing or not text');
  return v;
}

function bytes(m: CborMap, key: string, optional: boolean): Uint8Array | null {
  const v = m.get(key);
  if (v === undefined && optional) return null;
  if (!(v instanceof Uint8Array)) return bad(key + ' missing or not bytes');
  return v;
}

function keyList(v: CborValue, name: string): CoseKey[] {
  if (!Array.isArray(v)) return bad(name + ' is not an array');
  const out: CoseKey[] = [];
  for (let i = 0; i < v.length; i++) out.push(parseCoseKey(v[i]));
  return out;
}

function scopeTable(v: CborValue): TextScopeDefinition {
  if (!(v instanceof CborMap)) return bad('scopes is not a map');
  const table: TextScopeDefinition = {};
  v.forEach(function (grants: CborValue, name: string | number): void {
    if (typeof name !== 'string' || !Array.isArray(grants)) bad('scopes entry is malformed');
    const list: Grant[] = [];
    const pairs = grants as CborValue[];
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i];
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'number') bad('scope grant is not [path, methods]');
      list.push({ path: (pair as CborValue[])[0] as string, methods: (pair as CborValue[])[1] as number });
    }
    table[name as string] = list;
  });
  return table;
}

/** Wraps a keystore payload map into the sealed file form. */
export function sealKeystore(payload: CborMap, sha256: (d: Uint8Array) => Uint8Array): Uint8Array {
  const body = encode(payload);
  return encode([KEYSTORE_MAGIC, KEYSTORE_VERSION, body, sha256(body)]);
}

/** Opens the sealed file form: the payload map, after the magic, version and digest check out. */
export function openKeystore(file: Uint8Array, sha256: (d: Uint8Array) => Uint8Array): CborMap {
  let outer: CborValue;
  try {
    outer = decode(file);
  } catch (e) {
    return bad('not CBOR (truncated or corrupted?)');
  }
  if (!Array.isArray(outer) || outer.length !== 4 || outer[0] !== KEYSTORE_MAGIC) return bad('not a device keystore');
  if (outer[1] !== KEYSTORE_VERSION) return bad('version ' + String(outer[1]) + ' not supported (expected ' + KEYSTORE_VERSION + ')');
  const body = outer[2];
  const digest = outer[3];
  if (!(body instanceof Uint8Array) || !(digest instanceof Uint8Array)) return bad('malformed');
  if (!bytesEqual(sha256(body), digest)) return bad('integrity check failed (corrupted?)');
  const payload = decode(body);
  if (!(payload instanceof CborMap)) return bad('payload is not a map');
  return payload;
}

/** as.seq: the anchor set's sequence number (absent: 0). */
function anchorSeq(as: CborMap): number {
  const v = as.get('seq');
  if (v === undefined) return 0;
  if (typeof v !== 'number' || Math.floor(v) !== v || v < 0) return bad('as seq is not an unsigned integer');
  return v;
}

export function parseKeystore(payload: CborMap): DeviceKeystore {
  const kind = text(payload, 'kind');
  if (kind !== 'lock' && kind !== 'sensor') bad('kind must be lock or sensor');
  const mode = text(payload, 'mode');
  if (mode !== 'connected' && mode !== 'disconnected') bad('mode must be connected or disconnected');
  const clock = payload.get('clock');
  if (typeof clock !== 'boolean') bad('clock is not a boolean');
  const as = payload.get('as');
  if (!(as instanceof CborMap)) return bad('as is not a map');
  const deviceKey = parseCoseKey(payload.get('key'));
  if (deviceKey.privateKey === null) bad('device key has no private part');
  let asOscore: AsOscoreConfig | null = null;
  const o = payload.get('asOscore');
  if (o !== undefined) {
    if (!(o instanceof CborMap)) return bad('asOscore is not a map');
    asOscore = {
      masterSecret: bytes(o, 'ms', false) as Uint8Array,
      masterSalt: bytes(o, 'salt', true) || new Uint8Array(0),
      senderId: bytes(o, 'sid', false) as Uint8Array,
      recipientId: bytes(o, 'rid', false) as Uint8Array,
      idContext: bytes(o, 'ctx', true),
    };
  }
  if (mode === 'connected' && asOscore === null) bad('a connected device needs asOscore');
  const once = payload.get('once');
  const singleUse: string[] = [];
  if (once !== undefined) {
    if (!Array.isArray(once)) bad('once is not an array');
    for (let i = 0; i < (once as CborValue[]).length; i++) {
      const s = (once as CborValue[])[i];
      if (typeof s !== 'string') bad('once holds a non-text scope');
      singleUse.push(s as string);
    }
  }
  return {
    id: text(payload, 'id'),
    kind: kind,
    audience: text(payload, 'aud'),
    mode: mode,
    hasClock: clock as boolean,
    asUri: text(as, 'uri'),
    asKeys: keyList(as.get('keys'), 'as keys'),
    asSeq: anchorSeq(as),
    deviceKey: deviceKey,
    symmetricKeys: payload.has('sym') ? keyList(payload.get('sym'), 'sym') : [],
    asOscore: asOscore,
    scopes: payload.has('scopes') ? scopeTable(payload.get('scopes')) : null,
    singleUse: singleUse,
  };
}

function keysToList(keys: CoseKey[], includePrivate: boolean): CborValue[] {
  const out: CborValue[] = [];
  for (let i = 0; i < keys.length; i++) out.push(coseKeyToMap(keys[i], includePrivate));
  return out;
}

/** The payload map of a keystore (the inverse of parseKeystore). */
export function keystorePayload(ks: DeviceKeystore): CborMap {
  const m = new CborMap();
  m.set('id', ks.id);
  m.set('kind', ks.kind);
  m.set('aud', ks.audience);
  m.set('mode', ks.mode);
  m.set('clock', ks.hasClock);
  m.set('as', new CborMap().set('uri', ks.asUri).set('keys', keysToList(ks.asKeys, false)));
  if (ks.asSeq !== undefined && ks.asSeq > 0) (m.get('as') as CborMap).set('seq', ks.asSeq);
  m.set('key', coseKeyToMap(ks.deviceKey, true));
  if (ks.symmetricKeys.length > 0) m.set('sym', keysToList(ks.symmetricKeys, true));
  if (ks.asOscore !== null) {
    const o = new CborMap();
    o.set('ms', ks.asOscore.masterSecret);
    if (ks.asOscore.masterSalt.length > 0) o.set('salt', ks.asOscore.masterSalt);
    o.set('sid', ks.asOscore.senderId);
    o.set('rid', ks.asOscore.recipientId);
    if (ks.asOscore.idContext !== null) o.set('ctx', ks.asOscore.idContext);
    m.set('asOscore', o);
  }
  if (ks.scopes !== null) {
    const table = new CborMap();
    const names = Object.keys(ks.scopes);
    for (let i = 0; i < names.length; i++) {
      const grants = ks.scopes[names[i]];
      const pairs: CborValue[] = [];
      for (let k = 0; k < grants.length; k++) pairs.push([grants[k].path, grants[k].methods]);
      table.set(names[i], pairs);
    }
    m.set('scopes', table);
  }
  if (ks.singleUse.length > 0) m.set('once', ks.singleUse.slice());
  return m;
}

/** "coap://127.0.0.1:5684/..." -> "127.0.0.1:5684" (the peer form hosts use); default port 5683. */
export function peerOfUri(uri: string): string {
  // by hand: Espruino's regular expressions have no ? quantifier
  const scheme = uri.indexOf('coap://') === 0 ? 7 : uri.indexOf('coaps://') === 0 ? 8 : -1;
  if (scheme < 0) return fail('bad_request', 'keystore: AS URI is not a coap:// URI');
  let rest = uri.substring(scheme);
  const slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.substring(0, slash);
  const close = rest.indexOf(']');
  const colon = rest.indexOf(':', close < 0 ? 0 : close);
  const host = colon < 0 ? rest : rest.substring(0, colon);
  const port = colon < 0 ? '5683' : rest.substring(colon + 1);
  if (host === '' || port === '' || !(Number(port) > 0 && Number(port) < 65536)) fail('bad_request', 'keystore: AS URI has no usable host and port');
  return host + ':' + port;
}
