/**
 * `inspect`: any file this tool writes (keystore, AS key file, trust anchors, record,
 * manifest, token, anchor update), or a token given as hex or base64, shown as annotated EDN
 * (edn.ts, labels.ts), with every check the given keys allow — a JWT debugger for CWTs:
 * sealed files' SHA-256; token signatures (--as, or a keystore's anchors), MACs and
 * decryption (--keystore, --record: the AS–device keys); an Encrypted_COSE_Key in cnf with the
 * device's key pair (--keystore). Secrets are masked unless --reveal; with --reveal the first
 * EDN item parses back to the very bytes inspected.
 */
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { CborMap, CborTag, decode, portableCbor } from '../device/codec/cbor.ts';
import type { CborValue } from '../device/codec/cbor.ts';
import { constantTimeEqual, toHex, utf8Encode } from '../device/codec/bytes.ts';
import { isCoreError } from '../device/errors.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { CoseTag, Header, KeyOp } from '../device/cose/iana.ts';
import type { CoseKey } from '../device/cose/key.ts';
import { coseKeyToMap, parseCoseKey } from '../device/cose/key.ts';
import { candidateKeys } from '../device/cose/keyset.ts';
import { algOf, headerValue, kidOf } from '../device/cose/header.ts';
import { decodeSign1, isSignatureAlg, verifySign1 } from '../device/cose/sign1.ts';
import { decodeMac0, macTagLength, verifyMac0 } from '../device/cose/mac0.ts';
import { decodeEncrypt0, decryptEncrypt0 } from '../device/cose/encrypt0.ts';
import { decodeHeaders, CONTENT_LABELS } from '../device/cose/header.ts';
import { parseClaims } from '../device/cwt/claims.ts';
import { readConfirmation } from '../device/cwt/cnf.ts';
import { CONTENT_FORMAT_CWT, CnfMethod } from '../device/cwt/iana.ts';
import { ANCHOR_UPDATE_AAD, UpdateLabel } from '../device/ace/anchors.ts';
import type { DeviceKeystore } from '../device/runtime/keystore.ts';
import { KEYSTORE_MAGIC, parseKeystore } from '../device/runtime/keystore.ts';
import { comment, toEdn } from './edn.ts';
import type { Schema } from './edn.ts';
import {
  ANCHORS_PAYLOAD, ANCHOR_UPDATE, AS_PAYLOAD, CLAIMS, COSE_KEY, ENCRYPT0, KEYSTORE_PAYLOAD, RECORD_PAYLOAD,
  algName, dateText, mac0, printable, sealedSchema, sign1, underTags,
} from './labels.ts';
import { ANCHORS_MAGIC, AS_MAGIC, RECORD_MAGIC, SEALED_KINDS, openSealed, sniffMagic } from './sealed.ts';
import { ANCHORS_FILE, AS_FILE, parseAnchorsPayload, parseAsPayload, readAnchors } from './as-file.ts';
import type { AnchorsFile } from './as-file.ts';
import { openRecord, parseRecordPayload } from './record.ts';
import type { DeviceRecord } from './record.ts';
import { KEYSTORE_FILE, RECORD_FILE } from './device.ts';
import { MANIFEST_FILE } from './manifest.ts';
import { exists, isDirectory, isFile, readBytes } from './files.ts';
import { usage } from './io.ts';

const codec = portableCbor;

export interface InspectKeys {
  /** AS public keys: token signatures, anchor updates. */
  anchors: CoseKey[];
  /** AS–device symmetric keys: Mac0 and Encrypt0 tokens, Encrypt0 cnf. */
  shared: CoseKey[];
  /** Keys that open an Encrypted_COSE_Key: the shared keys and the device's key pair. */
  cnf: CoseKey[];
  anchorsFile: AnchorsFile | null;
  keystore: DeviceKeystore | null;
  record: DeviceRecord | null;
}

export interface Report {
  lines: string[];
  /** Checks that failed (integrity, signature, MAC, decryption). */
  failures: string[];
}

function note(r: Report, text: string): void {
  r.lines.push(comment(text));
}

function failed(r: Report, text: string): void {
  r.failures.push(text);
  note(r, text);
}

function kidName(kid: Uint8Array | null): string {
  if (kid === null) return '(no kid)';
  return printable(kid) || "h'" + toHex(kid) + "'";
}

function describe(e: unknown): string {
  return isCoreError(e) ? e.kind + ': ' + e.message : 'unexpected failure';
}

// ------------------------------------------------------------------ keys

export function loadKeys(asDir: string | undefined, keystorePath: string | undefined, recordPath: string | undefined, provider: CryptoProvider): InspectKeys {
  const keys: InspectKeys = { anchors: [], shared: [], cnf: [], anchorsFile: null, keystore: null, record: null };
  const sha = (d: Uint8Array) => provider.sha256(d);
  if (asDir !== undefined) {
    keys.anchorsFile = readAnchors(asDir, provider);
    keys.anchors.push(...keys.anchorsFile.keys.map((a) => a.key));
  }
  if (keystorePath !== undefined) {
    const path = isDirectory(keystorePath) ? join(keystorePath, KEYSTORE_FILE) : keystorePath;
    const opened = openSealed(readBytes(path, 'device keystore'), KEYSTORE_MAGIC, path, sha);
    const ks = parseKeystore(opened.payload);
    keys.keystore = ks;
    if (asDir === undefined) keys.anchors.push(...ks.asKeys);
    keys.shared.push(...ks.symmetricKeys);
    keys.cnf.push(...ks.symmetricKeys, ks.deviceKey);
  }
  if (recordPath !== undefined) {
    const path = isDirectory(recordPath) ? join(recordPath, RECORD_FILE) : recordPath;
    const record = openRecord(readBytes(path, 'device record'), sha, path);
    keys.record = record;
    keys.shared.push(...record.sharedKeys);
    keys.cnf.push(...record.sharedKeys);
  }
  return keys;
}

// ------------------------------------------------------------------ input

export interface Input {
  /** What the bytes are called in messages. */
  name: string;
  bytes: Uint8Array;
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function fromText(text: string): Uint8Array | null {
  const t = text.trim().replace(/\s+/g, '');
  if (HEX.test(t)) return new Uint8Array(Buffer.from(t, 'hex'));
  if (BASE64.test(t)) return new Uint8Array(Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64'));
  return null;
}

/** The files `inspect DIR` looks at, in order. */
const DIRECTORY_FILES = [AS_FILE, ANCHORS_FILE, KEYSTORE_FILE, RECORD_FILE, MANIFEST_FILE];

export function resolveInputs(arg: string): Input[] {
  if (isDirectory(arg)) {
    const present = readdirSync(arg).filter((f) => DIRECTORY_FILES.includes(f)).sort((a, b) => DIRECTORY_FILES.indexOf(a) - DIRECTORY_FILES.indexOf(b));
    if (present.length === 0) usage(arg + ' holds none of ' + DIRECTORY_FILES.join(', '));
    return present.map((f) => ({ name: join(arg, f), bytes: readBytes(join(arg, f), 'file') }));
  }
  if (isFile(arg)) return [{ name: arg, bytes: readBytes(arg, 'file') }];
  if (exists(arg)) usage(arg + ' is neither a file nor a directory');
  const bytes = fromText(arg);
  if (bytes === null || bytes.length === 0) usage(JSON.stringify(arg.length > 40 ? arg.slice(0, 40) + '…' : arg) + ' is not a file, hex or base64');
  return [{ name: 'the argument', bytes: bytes as Uint8Array }];
}

// ------------------------------------------------------------------ sealed files

const PAYLOAD_SCHEMAS: { [magic: string]: Schema } = {
  [KEYSTORE_MAGIC]: KEYSTORE_PAYLOAD,
  [AS_MAGIC]: AS_PAYLOAD,
  [ANCHORS_MAGIC]: ANCHORS_PAYLOAD,
  [RECORD_MAGIC]: RECORD_PAYLOAD,
};

function sameKeys(a: CoseKey[], b: CoseKey[]): boolean {
  const enc = (keys: CoseKey[]) => toHex(codec.encode(keys.map((k) => coseKeyToMap(k, false))));
  return enc(a) === enc(b);
}

/** What the payload says when parsed by its own reader, checked against the given keys. */
function crossChecks(r: Report, magic: string, payload: CborMap, name: string, keys: InspectKeys): void {
  try {
    if (magic === KEYSTORE_MAGIC) {
      const ks = parseKeystore(payload);
      note(r, 'device ' + ks.id + ': ' + ks.kind + ', ' + ks.mode + ', ' + (ks.hasClock ? 'clock' : 'no clock') + ', audience ' + ks.audience + ', ' + ks.asKeys.length + ' trust anchor(s), anchor seq ' + (ks.asSeq || 0));
      if (keys.anchorsFile !== null) {
        const current = keys.anchorsFile.keys.map((a) => a.key);
        if (sameKeys(ks.asKeys, current)) note(r, 'trust anchors: the AS\'s current ones');
        else note(r, 'trust anchors: differ from the AS\'s current ones (seq ' + keys.anchorsFile.seq + '): the device learns the rest by anchor updates');
      }
    } else if (magic === RECORD_MAGIC) {
      const rec = parseRecordPayload(payload, name);
      note(r, 'record of ' + rec.id + ': ' + rec.kind + ', ' + rec.mode + ', ' + (rec.hasClock ? 'clock' : 'no clock') + ', audience ' + rec.audience + ', provisioned ' + dateText(rec.created));
      if (keys.anchorsFile !== null) {
        if (constantTimeEqual(rec.asId, keys.anchorsFile.id)) note(r, 'made by this AS');
        else failed(r, 'made by another AS (as.id differs)');
      }
    } else if (magic === AS_MAGIC) {
      const as = parseAsPayload(payload, name);
      const live = as.keys.filter((k) => !k.retired);
      note(r, 'AS ' + as.uri + ': ' + live.length + ' signing key(s) in use (' + live.map((k) => kidName(k.key.kid) + ' ' + algName(k.key.alg as number)).join(', ') + '), ' +
        (as.keys.length - live.length) + ' retired, anchor seq ' + as.seq + ', next cti ' + as.cti);
    } else if (magic === ANCHORS_MAGIC) {
      const a = parseAnchorsPayload(payload, name);
      note(r, 'trust anchors of ' + a.uri + ', seq ' + a.seq + ': ' + a.keys.map((k) => kidName(k.key.kid) + ' ' + algName(k.key.alg as number) + ' from ' + dateText(k.nbf)).join(', '));
    }
  } catch (e) {
    failed(r, 'payload does not parse: ' + describe(e));
  }
}

function inspectSealed(r: Report, input: Input, magic: string, keys: InspectKeys, reveal: boolean, provider: CryptoProvider): void {
  const outer = decode(input.bytes) as CborValue[];
  const kind = SEALED_KINDS[magic];
  let payload: CborMap | null = null;
  let digestNote = 'does not match the payload';
  try {
    payload = openSealed(input.bytes, magic, input.name, (d) => provider.sha256(d)).payload;
    digestNote = 'matches';
    note(r, kind.what + ' "' + magic + '" version ' + String(outer[1]) + ': integrity ok (SHA-256)');
  } catch (e) {
    failed(r, kind.what + ': ' + (isCoreError(e) ? e.message : 'unreadable'));
  }
  r.lines.push(toEdn(outer, sealedSchema(PAYLOAD_SCHEMAS[magic], digestNote), { reveal }));
  if (payload !== null) crossChecks(r, magic, payload, input.name, keys);
}

// ------------------------------------------------------------------ tokens and anchor updates

type Layer = 'sign1' | 'mac0' | 'encrypt0';

function layerOf(v: CborValue): Layer | null {
  if (v instanceof CborTag) {
    if (v.tag === CoseTag.Sign1) return 'sign1';
    if (v.tag === CoseTag.Mac0) return 'mac0';
    if (v.tag === CoseTag.Encrypt0) return 'encrypt0';
    return null;
  }
  if (!Array.isArray(v)) return null;
  if (v.length === 3) return 'encrypt0';
  if (v.length !== 4) return null;
  try {
    const alg = algOf(decodeHeaders(v[0], v[1], CONTENT_LABELS, codec));
    if (isSignatureAlg(alg)) return 'sign1';
    if (macTagLength(alg) > 0) return 'mac0';
  } catch {
    return null;
  }
  return null;
}

function stripCwtTag(v: CborValue): { value: CborValue; tags: number } {
  if (v instanceof CborTag && v.tag === CoseTag.CWT) return { value: v.value, tags: 1 };
  return { value: v, tags: 0 };
}

function isAnchorUpdate(v: CborValue, layer: Layer): boolean {
  if (layer !== 'sign1') return false;
  try {
    const payload = decode(decodeSign1(v, codec).payload);
    return payload instanceof CborMap && typeof payload.get(UpdateLabel.Seq) === 'number';
  } catch {
    return false;
  }
}

/** Runs `check` with each candidate key; the kid of the one that worked, or throws the last failure. */
function tryKeys(keys: CoseKey[], kid: Uint8Array | null, alg: number, op: number, check: (k: CoseKey) => Uint8Array): { key: CoseKey; out: Uint8Array } {
  const candidates = candidateKeys(keys, kid, alg, op);
  let last: unknown = null;
  for (const k of candidates) {
    try {
      return { key: k, out: check(k) };
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

function claimNotes(r: Report, claims: CborValue, now: number): void {
  try {
    const c = parseClaims(claims);
    const parts: string[] = [];
    if (c.aud !== null) parts.push('for ' + c.aud.join(', '));
    if (c.scope !== null) parts.push('scope ' + (typeof c.scope === 'string' ? c.scope : 'AIF'));
    if (c.exp !== null) parts.push(now >= c.exp ? 'expired ' + dateText(c.exp) : 'valid until ' + dateText(c.exp) + ' (' + Math.floor(c.exp - now) + ' s left)');
    if (c.exi !== null) parts.push('expires ' + c.exi + ' s after the device receives it');
    if (c.cnonce !== null) parts.push('bound to cnonce ' + toHex(c.cnonce));
    note(r, 'claims: ' + (parts.length > 0 ? parts.join('; ') : 'none of note'));
  } catch (e) {
    failed(r, 'claims do not parse: ' + describe(e));
  }
}

function cnfNotes(r: Report, claims: CborValue, keys: InspectKeys, reveal: boolean, provider: CryptoProvider): void {
  if (!(claims instanceof CborMap) || !(claims.get(8) instanceof CborMap)) return;
  const cnf = claims.get(8) as CborMap;
  if (!cnf.has(CnfMethod.EncryptedCoseKey)) return;
  if (keys.cnf.length === 0) {
    note(r, 'cnf: an Encrypted_COSE_Key (give --keystore DIR to decrypt it)');
    return;
  }
  try {
    const c = readConfirmation(cnf, keys.cnf, provider, codec);
    if (c.kind !== 'key') return;
    note(r, 'cnf: Encrypted_COSE_Key decrypted with the device\'s keys; the PoP key:');
    r.lines.push(toEdn(coseKeyToMap(c.key, true), COSE_KEY, { reveal }));
  } catch (e) {
    failed(r, 'cnf: the Encrypted_COSE_Key does not decrypt with the given keys (' + describe(e) + ')');
  }
}

function isNested(protectedBucket: CborValue, inner: CborValue): boolean {
  if (inner instanceof CborTag) return true;
  try {
    const h = decodeHeaders(protectedBucket, new CborMap(), CONTENT_LABELS, codec);
    return headerValue(h, Header.ContentType) === CONTENT_FORMAT_CWT;
  } catch {
    return false;
  }
}

function inspectCose(r: Report, bytes: Uint8Array, keys: InspectKeys, reveal: boolean, provider: CryptoProvider, now: number, depth: number): void {
  const top = decode(bytes);
  const stripped = stripCwtTag(top);
  const v = stripped.value;
  const layer = layerOf(v);
  if (layer === null) {
    note(r, 'CBOR that is none of the files this tool writes');
    r.lines.push(toEdn(top, null, { reveal }));
    return;
  }
  const tags = stripped.tags + (v instanceof CborTag ? 1 : 0);
  if (isAnchorUpdate(v, layer)) {
    inspectAnchorUpdate(r, v, top, tags, keys, reveal, provider);
    return;
  }
  if (layer === 'sign1') {
    const msg = decodeSign1(v, codec);
    const alg = algOf(msg.headers);
    note(r, (depth > 0 ? 'inner ' : '') + 'CWT: COSE_Sign1, ' + algName(alg) + ', signed by ' + kidName(kidOf(msg.headers)));
    r.lines.push(toEdn(top, underTags(sign1(CLAIMS), tags), { reveal }));
    if (keys.anchors.length === 0) note(r, 'signature: not checked (give --as DIR or --keystore DIR)');
    else {
      try {
        const ok = tryKeys(keys.anchors, kidOf(msg.headers), alg, KeyOp.Verify, (k) => verifySign1(msg, k, new Uint8Array(0), provider, codec));
        note(r, 'signature: verified with AS key ' + kidName(ok.key.kid));
      } catch (e) {
        failed(r, 'signature: does not verify with the given AS keys (' + describe(e) + ')');
      }
    }
    const claims = decode(msg.payload);
    claimNotes(r, claims, now);
    cnfNotes(r, claims, keys, reveal, provider);
    return;
  }
  if (layer === 'mac0') {
    const msg = decodeMac0(v, codec);
    const alg = algOf(msg.headers);
    note(r, (depth > 0 ? 'inner ' : '') + 'CWT: COSE_Mac0, ' + algName(alg) + ', key ' + kidName(kidOf(msg.headers)));
    r.lines.push(toEdn(top, underTags(mac0(CLAIMS), tags), { reveal }));
    if (keys.shared.length === 0) note(r, 'MAC: not checked (give --keystore DIR or --record FILE)');
    else {
      try {
        tryKeys(keys.shared, kidOf(msg.headers), alg, KeyOp.MacVerify, (k) => verifyMac0(msg, k, new Uint8Array(0), provider, codec));
        note(r, 'MAC: verified with the AS–device key ' + kidName(kidOf(msg.headers)));
      } catch (e) {
        failed(r, 'MAC: does not verify with the given keys (' + describe(e) + ')');
      }
    }
    const claims = decode(msg.payload);
    claimNotes(r, claims, now);
    cnfNotes(r, claims, keys, reveal, provider);
    return;
  }
  const msg = decodeEncrypt0(v, codec);
  const alg = algOf(msg.headers);
  note(r, 'CWT: COSE_Encrypt0, ' + algName(alg) + ', key ' + kidName(kidOf(msg.headers)));
  r.lines.push(toEdn(top, underTags(ENCRYPT0, tags), { reveal }));
  if (keys.shared.length === 0) {
    note(r, 'claims: encrypted (give --keystore DIR or --record FILE to decrypt them)');
    return;
  }
  let plaintext: Uint8Array;
  try {
    plaintext = tryKeys(keys.shared, kidOf(msg.headers), alg, KeyOp.Decrypt, (k) => decryptEncrypt0(msg, k, new Uint8Array(0), provider, codec)).out;
  } catch (e) {
    failed(r, 'decryption: fails with the given keys (' + describe(e) + ')');
    return;
  }
  const inner = decode(plaintext);
  const protectedBucket = (stripped.value instanceof CborTag ? stripped.value.value : stripped.value) as CborValue[];
  if (isNested(protectedBucket[0], inner) && depth === 0) {
    note(r, 'decrypted: a nested CWT');
    inspectCose(r, plaintext, keys, reveal, provider, now, depth + 1);
    return;
  }
  note(r, 'decrypted claims:');
  r.lines.push(toEdn(inner, CLAIMS, { reveal }));
  claimNotes(r, inner, now);
  cnfNotes(r, inner, keys, reveal, provider);
}

function inspectAnchorUpdate(r: Report, v: CborValue, top: CborValue, tags: number, keys: InspectKeys, reveal: boolean, provider: CryptoProvider): void {
  const msg = decodeSign1(v, codec);
  const alg = algOf(msg.headers);
  note(r, 'anchor update: COSE_Sign1, ' + algName(alg) + ', signed by ' + kidName(kidOf(msg.headers)) + ', external AAD "' + ANCHOR_UPDATE_AAD + '"');
  r.lines.push(toEdn(top, underTags(sign1(ANCHOR_UPDATE), tags), { reveal }));
  if (keys.anchors.length === 0) note(r, 'signature: not checked (give --as DIR or --keystore DIR)');
  else {
    try {
      const ok = tryKeys(keys.anchors, kidOf(msg.headers), alg, KeyOp.Verify, (k) => verifySign1(msg, k, utf8Encode(ANCHOR_UPDATE_AAD), provider, codec));
      note(r, 'signature: verified with AS key ' + kidName(ok.key.kid));
    } catch (e) {
      failed(r, 'signature: does not verify with the given AS keys (' + describe(e) + ')');
    }
  }
  const payload = decode(msg.payload) as CborMap;
  const add = payload.get(UpdateLabel.Add);
  const parts: string[] = ['seq ' + String(payload.get(UpdateLabel.Seq))];
  if (add instanceof CborMap) {
    try {
      parts.push('adds ' + kidName(parseCoseKey(add).kid));
    } catch {
      parts.push('adds a malformed key');
    }
  }
  const retire = payload.get(UpdateLabel.Retire);
  if (Array.isArray(retire)) parts.push('retires ' + retire.map((k) => (k instanceof Uint8Array ? kidName(k) : '?')).join(', '));
  note(r, 'update: ' + parts.join('; '));
}

// ------------------------------------------------------------------ text files

function inspectJson(r: Report, input: Input, text: string, keys: InspectKeys, reveal: boolean, provider: CryptoProvider, now: number): boolean {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  let objects: unknown[];
  try {
    objects = lines.map((l) => JSON.parse(l));
  } catch {
    try {
      objects = [JSON.parse(text)];
    } catch {
      return false;
    }
  }
  const first = objects[0] as { token?: { hex?: string }; record?: string; serial?: string; client?: { masterSecret?: string; id?: string } };
  if (objects.length === 1 && first && first.token && typeof first.token.hex === 'string') {
    note(r, 'token file of ' + String(first.serial) + (first.client ? ', with the client material (PoP key ' +
      (reveal ? first.client.masterSecret : 'masked, ' + String(first.client.masterSecret).length / 2 + ' bytes') + ', id ' + first.client.id + ')' : ''));
    inspectCose(r, new Uint8Array(Buffer.from(first.token.hex, 'hex')), keys, reveal, provider, now, 0);
    return true;
  }
  if (objects.every((o) => typeof o === 'object' && o !== null && typeof (o as { record?: unknown }).record === 'string')) {
    note(r, 'manifest: ' + objects.length + ' device(s)');
    const sha = (d: Uint8Array) => provider.sha256(d);
    for (const o of objects as Array<{ serial: string; record: string; kind?: string; mode?: string; audience?: string }>) {
      try {
        const rec = openRecord(new Uint8Array(Buffer.from(o.record, 'base64')), sha, input.name + ' ' + o.serial);
        if (rec.id !== o.serial) failed(r, o.serial + ': the record is of ' + rec.id);
        else r.lines.push(comment(o.serial + ': ' + rec.kind + ', ' + rec.mode + ', audience ' + rec.audience + ', record ok'));
      } catch (e) {
        failed(r, String(o.serial) + ': ' + describe(e));
      }
    }
    return true;
  }
  return false;
}

// ------------------------------------------------------------------ entry

export function inspect(input: Input, keys: InspectKeys, reveal: boolean, provider: CryptoProvider, now: number): Report {
  const r: Report = { lines: [], failures: [] };
  const magic = sniffMagic(input.bytes);
  if (magic !== null) {
    inspectSealed(r, input, magic, keys, reveal, provider);
    return r;
  }
  let decoded = true;
  try {
    decode(input.bytes);
  } catch {
    decoded = false;
  }
  if (decoded) {
    inspectCose(r, input.bytes, keys, reveal, provider, now, 0);
    return r;
  }
  const text = Buffer.from(input.bytes).toString('utf8');
  if (inspectJson(r, input, text, keys, reveal, provider, now)) return r;
  const bytes = fromText(text);
  if (bytes !== null && bytes.length > 0) return inspect({ name: input.name, bytes }, keys, reveal, provider, now);
  failed(r, input.name + ': not CBOR, JSON, hex or base64 this tool understands (truncated or corrupted?)');
  return r;
}
