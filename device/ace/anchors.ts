/**
 * Trust anchors that can roll over: the AS public keys a device accepts signed tokens from.
 *
 * The factory flashes the AS's public keys (keystore `as.keys`) and the sequence number of
 * that anchor set (`as.seq`). To roll its signing key, the AS signs an anchor update with a
 * key the device already trusts; the device verifies it, persists the new set through the
 * Storage contract, and from then on accepts tokens signed by the new key. The old key stays
 * trusted until a later update retires it.
 *
 * Anchor update: a COSE_Sign1 (RFC 9052 §4.2; EdDSA or ES256, kid required) whose external
 * AAD is the text "ace-anchor-update" (RFC 9052 §4.3), so that no token signature verifies
 * as an update nor an update as a token. Its payload is a CBOR map:
 *   1 seq     uint        strictly greater than the device's (replay and rollback protection);
 *                         the same seq again is accepted only for the very same message
 *   2 add     COSE_Key    a public signing key with kid and alg (EdDSA or ES256)
 *   3 nbf     NumericDate the added key is trusted from then on (devices with a clock;
 *                         a device without one trusts it at once)
 *   4 retire  [+ kid]     anchors no longer trusted, effective at once
 * at least one of add and retire. The set never becomes empty and holds MAX_ANCHORS at most.
 *
 * Persisted under the storage key "ace-anchors" as a sealed blob (version, SHA-256):
 * [sha256(factory set), seq, sha256(last update), [[COSE_Key, nbf or null], ...]]. A blob that
 * does not check out, or was learned from another factory set (the keystore was flashed
 * again), is reported and the factory set is used.
 *
 * The resource (ANCHORS_PATH): POST an update (content format application/cose;
 * cose-type="cose-sign1", or none) -> 2.04 {"seq": n}; GET -> 2.05 {"seq": n, "kids": [...]}.
 * The update authenticates itself, so it may arrive over any channel, OSCORE or plain.
 */
import { Code, asCoreError, fail, isCoreError } from '../errors.ts';
import { CborCodec, CborMap, CborValue } from '../codec/cbor.ts';
import { bytesEqual, utf8Encode } from '../codec/bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { Clock, Storage } from '../storage.ts';
import { Alg, KeyOp, KeyType } from '../cose/iana.ts';
import type { CoseKey } from '../cose/key.ts';
import { coseKeyToMap, parseCoseKey } from '../cose/key.ts';
import { candidateKeys } from '../cose/keyset.ts';
import { algOf, kidOf } from '../cose/header.ts';
import { decodeCbor } from '../cose/message.ts';
import { decodeSign1, verifySign1 } from '../cose/sign1.ts';
import type { CoapResponse, Exchange, RequestHandler, Resource } from '../coap/interfaces.ts';
import { getUintOption, uriPath } from '../coap/message.ts';
import { ContentFormat, Method, Option } from '../coap/numbers.ts';
import { openBlob, sealBlob } from './token-store.ts';

export const ANCHORS_PATH = '/anchors';
/** External AAD of every anchor update (domain separation from tokens). */
export const ANCHOR_UPDATE_AAD = 'ace-anchor-update';
/** application/cose; cose-type="cose-sign1" (RFC 9052 §11.2, CoAP Content-Formats registry). */
export const COSE_SIGN1_FORMAT = 18;
export const MAX_ANCHORS = 4;
const MAX_UPDATE = 1024;
const STORAGE_KEY = 'ace-anchors';
const BLOB_VERSION = 1;

/** Labels of the update payload (this project's format, see the file comment). */
export const enum UpdateLabel {
  Seq = 1,
  Add = 2,
  Nbf = 3,
  Retire = 4,
}

export interface Anchor {
  key: CoseKey;
  /** Trusted from this NumericDate on; null: at once. */
  nbf: number | null;
}

export interface AnchorUpdate {
  seq: number;
  add: CoseKey | null;
  nbf: number | null;
  retire: Uint8Array[];
}

export interface AnchorDeps {
  provider: CryptoProvider;
  codec: CborCodec;
  storage: Storage;
  clock: Clock;
}

function bad(message: string): never {
  return fail('bad_request', 'anchor update: ' + message);
}

function isUint(v: CborValue): boolean {
  return typeof v === 'number' && isFinite(v) && Math.floor(v) === v && v >= 0;
}

/** A key that may serve as an anchor: public signing key with kid and alg. */
function checkAnchorKey(key: CoseKey): CoseKey {
  if (key.kid === null || key.kid.length === 0) bad('added key has no kid');
  if (key.alg !== Alg.EdDSA && key.alg !== Alg.ES256) bad('added key alg must be EdDSA or ES256');
  if (key.kty === KeyType.Symmetric || key.publicKey === null || key.privateKey !== null) bad('added key must be a public key only');
  return key;
}

/** The update payload as a map (the AS side builds it with this). */
export function anchorUpdatePayload(u: AnchorUpdate): CborMap {
  const m = new CborMap();
  m.set(UpdateLabel.Seq, u.seq);
  if (u.add !== null) m.set(UpdateLabel.Add, coseKeyToMap(checkAnchorKey(u.add), false));
  if (u.nbf !== null) m.set(UpdateLabel.Nbf, u.nbf);
  if (u.retire.length > 0) m.set(UpdateLabel.Retire, u.retire.slice());
  parseAnchorUpdate(m);
  return m;
}

/** Parses an update payload map; 'bad_request' when it is not one. */
export function parseAnchorUpdate(v: CborValue): AnchorUpdate {
  if (!(v instanceof CborMap)) return bad('payload is not a map');
  const seq = v.get(UpdateLabel.Seq);
  if (!isUint(seq)) bad('seq is not an unsigned integer');
  let add: CoseKey | null = null;
  if (v.has(UpdateLabel.Add)) {
    try {
      add = parseCoseKey(v.get(UpdateLabel.Add));
    } catch (e) {
      return bad('added key is not a COSE_Key');
    }
    checkAnchorKey(add);
  }
  const nbf = v.get(UpdateLabel.Nbf);
  if (v.has(UpdateLabel.Nbf) && (typeof nbf !== 'number' || !isFinite(nbf))) bad('nbf is not a NumericDate');
  if (v.has(UpdateLabel.Nbf) && add === null) bad('nbf without an added key');
  const retire: Uint8Array[] = [];
  if (v.has(UpdateLabel.Retire)) {
    const list = v.get(UpdateLabel.Retire);
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ANCHORS) return bad('retire is not a short non-empty array');
    for (let i = 0; i < list.length; i++) {
      const kid = list[i];
      if (!(kid instanceof Uint8Array) || kid.length === 0) bad('retire holds a non-kid');
      retire.push(kid as Uint8Array);
    }
  }
  if (add === null && retire.length === 0) bad('neither add nor retire');
  return { seq: seq as number, add: add, nbf: v.has(UpdateLabel.Nbf) ? (nbf as number) : null, retire: retire };
}

function sameKey(a: CoseKey, b: CoseKey): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.alg === b.alg &&
    a.publicKey !== null && b.publicKey !== null && bytesEqual(a.publicKey, b.publicKey);
}

function hasKid(list: Uint8Array[], kid: Uint8Array | null): boolean {
  if (kid === null) return false;
  for (let i = 0; i < list.length; i++) if (bytesEqual(list[i], kid)) return true;
  return false;
}

/** The anchor set after an update, or a CoreError; the input is not changed. */
export function applyToSet(anchors: Anchor[], u: AnchorUpdate): Anchor[] {
  const next: Anchor[] = [];
  for (let i = 0; i < anchors.length; i++) if (!hasKid(u.retire, anchors[i].key.kid)) next.push(anchors[i]);
  if (u.add !== null) {
    let known = false;
    for (let i = 0; i < next.length; i++) {
      if (next[i].key.kid !== null && bytesEqual(next[i].key.kid as Uint8Array, u.add.kid as Uint8Array)) {
        if (!sameKey(next[i].key, u.add)) bad('kid already names another anchor');
        known = true;
      }
    }
    if (!known) next.push({ key: u.add, nbf: u.nbf });
  }
  if (next.length === 0) bad('an update may not remove every anchor');
  if (next.length > MAX_ANCHORS) fail('store_full', 'anchor update: too many anchors');
  return next;
}

export class AnchorStore {
  private anchors: Anchor[];
  private seq: number;
  private lastDigest: Uint8Array;
  private activeCount = -1;
  private readonly changeFns: Array<() => void> = [];

  /** Names the factory set the persisted one grew from. */
  private readonly factoryDigest: Uint8Array;

  constructor(private readonly deps: AnchorDeps, private readonly factory: CoseKey[], factorySeq: number) {
    this.anchors = this.factorySet();
    this.seq = factorySeq;
    this.lastDigest = new Uint8Array(0);
    const keys: CborValue[] = [];
    for (let i = 0; i < factory.length; i++) keys.push(coseKeyToMap(factory[i], false));
    this.factoryDigest = deps.provider.sha256(deps.codec.encode([factorySeq, keys]));
  }

  private factorySet(): Anchor[] {
    const out: Anchor[] = [];
    for (let i = 0; i < this.factory.length; i++) out.push({ key: this.factory[i], nbf: null });
    return out;
  }

  /** Boot: the persisted set when there is one newer than the factory's; notes for the host's log. */
  load(): string[] {
    const blob = this.deps.storage.read(STORAGE_KEY);
    if (blob === null) return [];
    try {
      const content = openBlob(blob, BLOB_VERSION, sha256Of(this.deps.provider));
      const origin = content[0];
      const seq = content[1];
      const digest = content[2];
      const list = content[3];
      if (!(origin instanceof Uint8Array) || !isUint(seq) || !(digest instanceof Uint8Array) || !Array.isArray(list) || list.length === 0) {
        fail('storage_failed', 'anchor set has the wrong shape');
      }
      // learned from another keystore: what this one was flashed with wins
      if (!bytesEqual(origin as Uint8Array, this.factoryDigest)) return ['stored anchor set belongs to another keystore: not used'];
      const anchors: Anchor[] = [];
      for (let i = 0; i < (list as CborValue[]).length; i++) {
        const row = (list as CborValue[])[i];
        if (!Array.isArray(row) || row.length !== 2 || !(row[1] === null || typeof row[1] === 'number')) fail('storage_failed', 'anchor entry has the wrong shape');
        anchors.push({ key: checkAnchorKey(parseCoseKey((row as CborValue[])[0])), nbf: (row as CborValue[])[1] as number | null });
      }
      this.anchors = anchors;
      this.seq = seq as number;
      this.lastDigest = digest as Uint8Array;
      this.activeCount = -1;
      return [];
    } catch (e) {
      return ['anchor set discarded: ' + asCoreError(e).message];
    }
  }

  /** The update sequence number the device is at. */
  get sequence(): number {
    return this.seq;
  }

  /** Every anchor, trusted now or later. */
  all(): Anchor[] {
    return this.anchors.slice();
  }

  /** The keys trusted now: nbf passed, or no clock to judge it. */
  active(): CoseKey[] {
    const now = this.deps.clock.nowSeconds();
    const out: CoseKey[] = [];
    for (let i = 0; i < this.anchors.length; i++) {
      const a = this.anchors[i];
      if (a.nbf === null || now === null || now >= a.nbf) out.push(a.key);
    }
    return out;
  }

  /** Called after each change of the active set (an update, or an nbf passing). */
  onChange(fn: () => void): void {
    this.changeFns.push(fn);
  }

  /** A few times a second: notices an anchor whose nbf has passed. */
  refresh(): void {
    const n = this.active().length;
    if (n === this.activeCount) return;
    this.activeCount = n;
    for (let i = 0; i < this.changeFns.length; i++) this.changeFns[i]();
  }

  /** Verifies an update against the active anchors, persists the new set, then uses it. */
  apply(message: Uint8Array): AnchorUpdate {
    if (!(message instanceof Uint8Array) || message.length === 0 || message.length > MAX_UPDATE) bad('missing or too large');
    const provider = this.deps.provider;
    const codec = this.deps.codec;
    const msg = decodeSign1(decodeCbor(message, codec), codec);
    const kid = kidOf(msg.headers);
    if (kid === null) bad('the signature names no kid');
    const keys = candidateKeys(this.active(), kid, algOf(msg.headers), KeyOp.Verify);
    const aad = utf8Encode(ANCHOR_UPDATE_AAD);
    let payload: Uint8Array | null = null;
    let last: unknown = null;
    for (let i = 0; i < keys.length && payload === null; i++) {
      try {
        payload = verifySign1(msg, keys[i], aad, provider, codec);
      } catch (e) {
        if (!isCoreError(e) || e.kind !== 'bad_signature') throw e;
        last = e;
      }
    }
    if (payload === null) throw last;
    let body: CborValue;
    try {
      body = codec.decode(payload);
    } catch (e) {
      return bad('payload is not CBOR');
    }
    const update = parseAnchorUpdate(body);
    const digest = provider.sha256(message);
    if (update.seq === this.seq && bytesEqual(digest, this.lastDigest)) return update; // the same update again
    if (update.seq <= this.seq) fail('stale', 'anchor update is not newer than the device\'s anchors');
    const next = applyToSet(this.anchors, update);
    this.persist(update.seq, digest, next);
    this.anchors = next;
    this.seq = update.seq;
    this.lastDigest = digest;
    this.activeCount = -1;
    this.refresh();
    return update;
  }

  private persist(seq: number, digest: Uint8Array, anchors: Anchor[]): void {
    const rows: CborValue[] = [];
    for (let i = 0; i < anchors.length; i++) rows.push([coseKeyToMap(anchors[i].key, false), anchors[i].nbf]);
    this.deps.storage.write(STORAGE_KEY, sealBlob(BLOB_VERSION, [this.factoryDigest, seq, digest, rows], sha256Of(this.deps.provider)));
  }
}

/** Reports each update attempt (the device wires it to its audit log). */
export type AnchorAudit = (peer: string, granted: boolean, reason: string) => void;

const CBOR_FORMAT = new Uint8Array([ContentFormat.Cbor]);

export class AnchorsResource implements Resource {
  readonly linkAttributes = ';rt="ace.anchors"';
  readonly observable = false;

  constructor(private readonly store: AnchorStore, private readonly codec: CborCodec, private readonly audit: AnchorAudit | null) {}

  render(exchange: Exchange): CoapResponse {
    const request = exchange.request;
    if (request.code === Method.GET) return this.state(Code.Content, true);
    if (request.code !== Method.POST) return fail('method_not_allowed', 'GET or POST');
    const format = getUintOption(request.options, Option.ContentFormat);
    if (format !== null && format !== COSE_SIGN1_FORMAT) fail('unsupported_content_format', 'an anchor update is application/cose; cose-type="cose-sign1"');
    try {
      this.store.apply(request.payload);
    } catch (e) {
      const error = asCoreError(e);
      if (this.audit) this.audit(exchange.peer, false, 'anchor update refused: ' + error.kind);
      throw error;
    }
    if (this.audit) this.audit(exchange.peer, true, 'anchor update seq ' + this.store.sequence);
    return this.state(Code.Changed, false);
  }

  private state(code: number, withKids: boolean): CoapResponse {
    const body = new CborMap().set('seq', this.store.sequence);
    if (withKids) {
      const kids: CborValue[] = [];
      const all = this.store.all();
      for (let i = 0; i < all.length; i++) kids.push(all[i].key.kid);
      body.set('kids', kids);
    }
    return { code: code, options: [{ number: Option.ContentFormat, value: CBOR_FORMAT }], payload: this.codec.encode(body) };
  }
}

/**
 * Routes requests for ANCHORS_PATH to the Site whatever the channel (the update carries its
 * own authentication), everything else to `inner` (the access guard or the public gate).
 */
export class AnchorsGate implements RequestHandler {
  constructor(private readonly site: RequestHandler, private readonly inner: RequestHandler) {}

  handle(exchange: Exchange): void {
    if (uriPath(exchange.request.options) === ANCHORS_PATH) this.site.handle(exchange);
    else this.inner.handle(exchange);
  }
}

/**
 * The rotation feature as a device installs it. Passed in rather than imported by the device,
 * so a build that verifies no signatures (Espruino) leaves the whole file out.
 */
export interface AnchorRotation {
  path: string;
  Store: typeof AnchorStore;
  Resource: typeof AnchorsResource;
  Gate: typeof AnchorsGate;
}

export const anchorRotation: AnchorRotation = { path: ANCHORS_PATH, Store: AnchorStore, Resource: AnchorsResource, Gate: AnchorsGate };

function sha256Of(provider: CryptoProvider): (d: Uint8Array) => Uint8Array {
  return function (d: Uint8Array): Uint8Array { return provider.sha256(d); };
}
