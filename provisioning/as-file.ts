/**
 * The AS's key material (`as init`, `rotate`) and the public trust anchors file the device
 * step reads.
 *
 * DIR/as.cbor (mode 0600), sealed "ace-as-keys" version 1, payload map:
 *   id       bstr     the AS's identity (random, fixed at init; records name it)
 *   uri      text     the AS's URI (coap://...), flashed into devices for creation hints
 *   keys     [entry]  signing keys, oldest first; entry = { key: COSE_Key with d, kid and alg,
 *                     nbf: uint (used for tokens from then on), retired: bool }
 *   seq      uint     sequence number of the latest anchor update (0: none yet)
 *   cti      uint     the next token's cti (a counter: exi tokens need one, RFC 9200 §5.10.3)
 *   created  uint     NumericDate of `as init`
 * DIR/anchors.cbor (mode 0644), sealed "ace-as-anchors" version 1, payload map:
 *   id, uri, seq as above; keys [ { key: public COSE_Key, nbf } ] of the keys not retired.
 * DIR/updates/anchor-update-SEQ.cose: the anchor updates made by `rotate`.
 */
import { join } from 'node:path';
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { CborMap, CborValue } from '../device/codec/cbor.ts';
import { toHex, utf8Encode, bytesEqual } from '../device/codec/bytes.ts';
import { Alg, Curve } from '../device/crypto/provider.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import type { CoseKey } from '../device/cose/key.ts';
import { coseKeyToMap, curveKey, publicPart } from '../device/cose/key.ts';
import { failure, usage } from './io.ts';
import { Fields } from './fields.ts';
import { ANCHORS_MAGIC, AS_MAGIC, openSealed, seal } from './sealed.ts';
import { PUBLIC_MODE, SECRET_MODE, ensureDirectory, exists, readBytes, writeFileAtomic } from './files.ts';

export const AS_FILE = 'as.cbor';
export const ANCHORS_FILE = 'anchors.cbor';
export const UPDATES_DIR = 'updates';
const LOCK_FILE = '.lock';

/** Signature algorithms the AS may sign with, by the names the CLI takes. */
export const SIGNING_ALGS: { [name: string]: { alg: number; curve: number } } = {
  EdDSA: { alg: Alg.EdDSA, curve: Curve.Ed25519 },
  ES256: { alg: Alg.ES256, curve: Curve.P256 },
};

export interface AsKeyEntry {
  key: CoseKey;
  nbf: number;
  retired: boolean;
}

export interface AsFile {
  id: Uint8Array;
  uri: string;
  keys: AsKeyEntry[];
  seq: number;
  cti: number;
  created: number;
}

export interface Anchor {
  key: CoseKey;
  nbf: number;
}

export interface AnchorsFile {
  id: Uint8Array;
  uri: string;
  seq: number;
  keys: Anchor[];
}

export function algByName(name: string): { alg: number; curve: number } {
  const a = SIGNING_ALGS[name];
  if (a === undefined) return usage('unknown algorithm ' + JSON.stringify(name) + ' (EdDSA or ES256)');
  return a;
}

export function checkUri(uri: string): string {
  if (!/^coaps?(\+[a-z]+)?:\/\/[^\s/]+/.test(uri)) usage('--uri must be a coap:// or coaps:// URI');
  return uri;
}

/** A fresh signing key pair with a kid "as-" + 8 hex digits, restricted to its algorithm. */
export function newSigningKey(algName: string, provider: CryptoProvider, nbf: number): AsKeyEntry {
  const a = algByName(algName);
  const pair = provider.generateKeyPair(a.curve);
  const kid = utf8Encode('as-' + toHex(provider.randomBytes(4)));
  return { key: curveKey(a.curve, pair.publicKey, pair.privateKey, kid, a.alg), nbf: Math.floor(nbf), retired: false };
}

export function newAsFile(algName: string, uri: string, provider: CryptoProvider, now: number): AsFile {
  return { id: provider.randomBytes(8), uri, keys: [newSigningKey(algName, provider, now)], seq: 0, cti: 1, created: Math.floor(now) };
}

export function asPayload(as: AsFile): CborMap {
  const keys: CborValue[] = as.keys.map((e) => new CborMap()
    .set('key', coseKeyToMap(e.key, true)).set('nbf', e.nbf).set('retired', e.retired));
  return new CborMap().set('id', as.id).set('uri', as.uri).set('keys', keys)
    .set('seq', as.seq).set('cti', as.cti).set('created', as.created);
}

function signingEntry(v: CborValue, where: string, withPrivate: boolean): { key: CoseKey; f: Fields } {
  if (!(v instanceof CborMap)) return failure(where + ': keys holds a non-map');
  const f = new Fields(v, where);
  const key = f.key('key');
  if (key.alg !== Alg.EdDSA && key.alg !== Alg.ES256) f.bad('key', 'is not an EdDSA or ES256 key');
  if (key.kid === null) f.bad('key', 'has no kid');
  if (withPrivate && key.privateKey === null) f.bad('key', 'has no private part');
  if (!withPrivate && key.privateKey !== null) f.bad('key', 'holds a private part in a public file');
  return { key, f };
}

export function parseAsPayload(m: CborMap, where: string): AsFile {
  const f = new Fields(m, where);
  const list = f.array('keys');
  if (list.length === 0) f.bad('keys', 'is empty');
  const keys: AsKeyEntry[] = list.map((v) => {
    const e = signingEntry(v, where, true);
    return { key: e.key, nbf: e.f.uint('nbf'), retired: e.f.bool('retired') };
  });
  return { id: f.bytes('id'), uri: f.text('uri'), keys, seq: f.uint('seq'), cti: f.uint('cti'), created: f.uint('created') };
}

/** The public view: keys not retired, public parts only. */
export function anchorsOf(as: AsFile): AnchorsFile {
  const keys = as.keys.filter((e) => !e.retired).map((e) => ({ key: publicPart(e.key), nbf: e.nbf }));
  return { id: as.id, uri: as.uri, seq: as.seq, keys };
}

export function anchorsPayload(a: AnchorsFile): CborMap {
  const keys: CborValue[] = a.keys.map((e) => new CborMap().set('key', coseKeyToMap(e.key, false)).set('nbf', e.nbf));
  return new CborMap().set('id', a.id).set('uri', a.uri).set('seq', a.seq).set('keys', keys);
}

export function parseAnchorsPayload(m: CborMap, where: string): AnchorsFile {
  const f = new Fields(m, where);
  const list = f.array('keys');
  if (list.length === 0) f.bad('keys', 'is empty');
  const keys: Anchor[] = list.map((v) => {
    const e = signingEntry(v, where, false);
    return { key: e.key, nbf: e.f.uint('nbf') };
  });
  return { id: f.bytes('id'), uri: f.text('uri'), seq: f.uint('seq'), keys };
}

/**
 * The key tokens are signed with: the one named by `kid`, or the newest key not retired whose
 * nbf has come (the newest not retired when none has).
 */
export function signingKeyOf(as: AsFile, now: number, kid: Uint8Array | null): AsKeyEntry {
  const live = as.keys.filter((e) => !e.retired);
  if (kid !== null) {
    const named = live.find((e) => e.key.kid !== null && bytesEqual(e.key.kid, kid));
    if (named === undefined) return failure('the AS has no signing key (not retired) with that kid');
    return named;
  }
  const due = live.filter((e) => e.nbf <= now);
  const pool = due.length > 0 ? due : live;
  if (pool.length === 0) return failure('the AS has no signing key that is not retired');
  return pool[pool.length - 1];
}

// ------------------------------------------------------------------ files

export function readAs(dir: string, provider: CryptoProvider): AsFile {
  const path = join(dir, AS_FILE);
  if (!exists(path)) failure('no AS key file at ' + path + ' (run `ace-provision as init --out ' + dir + '` first)');
  const opened = openSealed(readBytes(path, 'AS key file'), AS_MAGIC, path, (d) => provider.sha256(d));
  return parseAsPayload(opened.payload, path);
}

export function readAnchors(dir: string, provider: CryptoProvider): AnchorsFile {
  const path = join(dir, ANCHORS_FILE);
  if (!exists(path)) failure('no AS trust anchors file at ' + path + ' (run `ace-provision as init --out ' + dir + '` first)');
  const opened = openSealed(readBytes(path, 'AS trust anchors file'), ANCHORS_MAGIC, path, (d) => provider.sha256(d));
  return parseAnchorsPayload(opened.payload, path);
}

/** Writes as.cbor (0600), then anchors.cbor (0644), each atomically. */
export function writeAs(dir: string, as: AsFile, provider: CryptoProvider): void {
  ensureDirectory(dir);
  const sha = (d: Uint8Array) => provider.sha256(d);
  writeFileAtomic(join(dir, AS_FILE), seal(AS_MAGIC, asPayload(as), sha), SECRET_MODE);
  writeFileAtomic(join(dir, ANCHORS_FILE), seal(ANCHORS_MAGIC, anchorsPayload(anchorsOf(as)), sha), PUBLIC_MODE);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` holding DIR/.lock, so two commands that change the AS file (token's cti counter,
 * rotate) never interleave. A lock left by a killed process is reported, not broken.
 */
export function withAsLock<T>(dir: string, fn: () => T, waitMs = 5000): T {
  const path = join(dir, LOCK_FILE);
  const deadline = Date.now() + waitMs;
  let fd = -1;
  for (;;) {
    try {
      fd = openSync(path, 'wx', SECRET_MODE);
      break;
    } catch (e) {
      const c = (e as { code?: string }).code;
      if (c === 'ENOENT') return failure('no AS directory at ' + dir);
      if (c !== 'EEXIST') return failure('cannot lock ' + dir + ' (' + (c || 'error') + ')');
      if (Date.now() >= deadline) return failure(dir + ' is locked by another ace-provision (remove ' + path + ' if none is running)');
      sleep(20);
    }
  }
  closeSync(fd);
  try {
    return fn();
  } finally {
    unlinkSync(path);
  }
}
