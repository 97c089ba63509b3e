/**
 * The token store of a constrained resource server: a bounded list of accepted access tokens,
 * each bound to the OSCORE Security Context derived from it (RFC 9203 §4.3).
 *
 * - Bounded: `maxEntries` entries at most. Expired tokens are evicted first; a store full of
 *   live tokens refuses with CoreError('store_full'); it never grows.
 * - Unique: never two live entries with the same context identifiers (Recipient ID, ID
 *   Context). Whether a re-posted token replaces an entry (RFC 9203 §4.1, §4.4) is the
 *   caller's (/authz-info's) decision; the store offers find and replace.
 * - Expiry: `exp` against the wall clock when the device has one (no clock: the entry counts
 *   as expired, since exp cannot be checked); `exi` (RFC 9200 §5.10.3) as a deadline on the
 *   monotonic clock, set when the token is stored. The highest exi sequence number of an
 *   expired token is kept so that older exi tokens stay refused (§5.10.3).
 * - Single use: a spent token stays as a tombstone (no identifiers, no secrets, no
 *   permissions) until it expires, so the same token cannot be posted again.
 * - Persistence: the whole store is one deterministic CBOR blob under one Storage key,
 *   written after each change (Storage.write is atomic), framed by sealBlob (version and
 *   SHA-256 of the content). A blob that does not check out is reported and discarded whole.
 *   exi deadlines are saved as remaining milliseconds and restarted at load: time spent
 *   powered off is not counted (the RFC 9200 §6.6 caveat; call save() now and then so the
 *   counters stay fresh).
 *
 * Secrets: to keep serving a client after a reboot the device must rebuild its OSCORE
 * context, so the Master Secret and Master Salt are stored (RFC 8613 Appendix B.1.2: the
 * replay window is then re-initialized with Echo). They therefore sit in the device's
 * storage, which the host must keep device-local. In memory they are held apart from the
 * records the store hands out (records have no secret fields, so logging a record leaks
 * nothing), are copied on the way in and out, and are zeroed when an entry goes.
 */
import { fail, isCoreError } from '../errors.ts';
import { CborValue, decode, encode } from '../codec/cbor.ts';
import { bytesEqual, constantTimeEqual, toHex } from '../codec/bytes.ts';
import { Clock, Storage } from '../storage.ts';
import { PermissionSet, describePermissions, fromAifValue, toAifValue } from './scope.ts';

export type HashFn = (data: Uint8Array) => Uint8Array;

// ---------------------------------------------------------------- sealed blobs

/** Frames a value for storage: CBOR [body, hash(body)], body = CBOR [version, ...value]. */
export function sealBlob(version: number, content: CborValue[], hash: HashFn): Uint8Array {
  const body = encode([version as CborValue].concat(content));
  return encode([body, hash(body)]);
}

/** The content of a sealed blob of this version; CoreError('storage_failed') if it does not check out. */
export function openBlob(blob: Uint8Array, version: number, hash: HashFn): CborValue[] {
  let outer: CborValue;
  try {
    outer = decode(blob);
  } catch (e) {
    return fail('storage_failed', 'stored blob is not CBOR');
  }
  if (!Array.isArray(outer) || outer.length !== 2 || !(outer[0] instanceof Uint8Array) || !(outer[1] instanceof Uint8Array)) {
    fail('storage_failed', 'stored blob is not [body, digest]');
  }
  const body = (outer as CborValue[])[0] as Uint8Array;
  if (!constantTimeEqual(hash(body), (outer as CborValue[])[1] as Uint8Array)) fail('storage_failed', 'stored blob fails its integrity check');
  let inner: CborValue;
  try {
    inner = decode(body);
  } catch (e) {
    return fail('storage_failed', 'stored body is not CBOR');
  }
  if (!Array.isArray(inner) || inner.length === 0) return fail('storage_failed', 'stored body is not an array');
  if (inner[0] !== version) fail('storage_failed', 'stored blob has version ' + String(inner[0]) + ', expected ' + version);
  return (inner as CborValue[]).slice(1);
}

// ---------------------------------------------------------------- records

/** The OSCORE input needed to rebuild a context (RFC 8613 §3.2). Secret: never logged. */
export interface OscoreMaterial {
  masterSecret: Uint8Array;
  masterSalt: Uint8Array;
  /** COSE AEAD algorithm (AES-CCM-16-64-128 = 10 by default in RFC 8613). */
  aeadAlg: number;
  /** COSE HKDF algorithm (HKDF SHA-256 = -10). */
  hkdfAlg: number;
}

/** What /authz-info hands the store for a verified token. */
export interface TokenInput {
  /** cti, or tokenIdFor()'s hash of the token. */
  tokenId: Uint8Array;
  /** The RS's Recipient ID for this client (the kid of the client's requests). */
  recipientId: Uint8Array;
  /** OSCORE ID Context, or null when there is none. */
  idContext: Uint8Array | null;
  /** The RS's Sender ID for this client. */
  senderId: Uint8Array;
  permissions: PermissionSet;
  /** `exp` in Unix seconds, or null. */
  exp: number | null;
  /** `exi` in seconds from now, or null. */
  exi: number | null;
  /** The exi sequence number of the token's cti (RFC 9200 §5.10.3), or null. */
  exiSeq: number | null;
  singleUse: boolean;
  /** For logs. */
  audience: string;
  subject: string | null;
}

/** A stored token as the store hands it out: no secret fields. */
export interface TokenRecord {
  readonly tokenId: Uint8Array;
  readonly recipientId: Uint8Array;
  readonly idContext: Uint8Array | null;
  readonly senderId: Uint8Array;
  readonly permissions: PermissionSet;
  readonly expiresAt: number | null;
  /** Monotonic milliseconds. */
  readonly exiDeadline: number | null;
  readonly exiSeq: number | null;
  readonly singleUse: boolean;
  /** A used single-use token kept only to refuse it again. */
  readonly spent: boolean;
  readonly audience: string;
  readonly subject: string | null;
}

interface Entry {
  tokenId: Uint8Array;
  recipientId: Uint8Array;
  idContext: Uint8Array | null;
  senderId: Uint8Array;
  permissions: PermissionSet;
  expiresAt: number | null;
  exiDeadline: number | null;
  exiSeq: number | null;
  singleUse: boolean;
  spent: boolean;
  audience: string;
  subject: string | null;
}

export interface TokenStoreOptions {
  storage: Storage;
  clock: Clock;
  /** SHA-256 from the crypto provider: the integrity check of the stored blob. */
  hash: HashFn;
  maxEntries: number;
  /** Storage key; "ace-tokens" by default. */
  key?: string;
}

export interface LoadResult {
  status: 'empty' | 'loaded' | 'discarded';
  entries: number;
  /** Why a blob was discarded; '' otherwise. */
  reason: string;
}

/** A token's identifier: its cti when it has one, else the hash of the whole token. */
export function tokenIdFor(cti: Uint8Array | null, token: Uint8Array, hash: HashFn): Uint8Array {
  return cti !== null ? new Uint8Array(cti) : hash(token);
}

/** A log line for a record: identifiers in hex, permissions, expiry. Never secrets. */
export function describeToken(r: TokenRecord): string {
  return 'token ' + toHex(r.tokenId) + (r.spent ? ' (spent)' : ' rid=' + toHex(r.recipientId) +
    (r.idContext ? ' ctx=' + toHex(r.idContext) : '')) + ' aud=' + r.audience +
    (r.subject !== null ? ' sub=' + r.subject : '') + ' [' + describePermissions(r.permissions) + ']';
}

const VERSION = 1;
const NO_PERMISSIONS: PermissionSet = { grants: [], unknown: [] };

function copyOrNull(b: Uint8Array | null): Uint8Array | null {
  return b === null ? null : new Uint8Array(b);
}

function sameContextId(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return bytesEqual(a, b);
}

function copyMaterial(m: OscoreMaterial): OscoreMaterial {
  return { masterSecret: new Uint8Array(m.masterSecret), masterSalt: new Uint8Array(m.masterSalt), aeadAlg: m.aeadAlg, hkdfAlg: m.hkdfAlg };
}

function wipe(m: OscoreMaterial | null): void {
  if (m === null) return;
  m.masterSecret.fill(0);
  m.masterSalt.fill(0);
}

function isBytes(v: CborValue): boolean {
  return v instanceof Uint8Array;
}

function isIntOrNull(v: CborValue): boolean {
  return v === null || (typeof v === 'number' && Math.floor(v) === v);
}

/** Times may be fractional: CWT NumericDate allows floats, monotonic clocks give them. */
function isNumberOrNull(v: CborValue): boolean {
  return v === null || (typeof v === 'number' && isFinite(v));
}

function checkInput(t: TokenInput): void {
  if (!(t.tokenId instanceof Uint8Array) || t.tokenId.length === 0) fail('bad_request', 'token id missing');
  if (!(t.recipientId instanceof Uint8Array) || !(t.senderId instanceof Uint8Array)) fail('bad_request', 'OSCORE identifiers missing');
  if (t.idContext !== null && !(t.idContext instanceof Uint8Array)) fail('bad_request', 'ID Context is not bytes');
  if (t.exi !== null && !(typeof t.exi === 'number' && t.exi >= 0)) fail('bad_request', 'exi is not a number of seconds');
  if (t.exp !== null && typeof t.exp !== 'number') fail('bad_request', 'exp is not a number');
}

// ---------------------------------------------------------------- the store

export class TokenStore {
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly hash: HashFn;
  private readonly key: string;
  readonly maxEntries: number;
  private entries: Entry[] = [];
  /** Parallel to entries: the OSCORE material, null for tombstones. */
  private secrets: Array<OscoreMaterial | null> = [];
  /** Highest exi sequence number of an expired token, -1 for none. */
  private exiHigh = -1;

  constructor(options: TokenStoreOptions) {
    if (!(options.maxEntries >= 1) || Math.floor(options.maxEntries) !== options.maxEntries) fail('internal', 'token store needs maxEntries >= 1');
    this.storage = options.storage;
    this.clock = options.clock;
    this.hash = options.hash;
    this.key = options.key || 'ace-tokens';
    this.maxEntries = options.maxEntries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** All entries, tombstones included (for administration and logs). */
  list(): TokenRecord[] {
    return this.entries.slice();
  }

  // ---------------------------------------------------------- lookups

  /** The live token bound to these context identifiers, or null. */
  findByContext(recipientId: Uint8Array, idContext: Uint8Array | null): TokenRecord | null {
    const i = this.indexByContext(recipientId, idContext, null);
    if (i < 0) return null;
    if (this.expiredAt(i)) {
      this.purgeExpired();
      return null;
    }
    return this.entries[i];
  }

  /** The entry with this token id (a spent tombstone included), or null. */
  findByTokenId(tokenId: Uint8Array): TokenRecord | null {
    const i = this.indexByTokenId(tokenId);
    return i < 0 ? null : this.entries[i];
  }

  /** A copy of the OSCORE material of a stored token, to (re)build its context; null for tombstones. */
  materialOf(record: TokenRecord): OscoreMaterial | null {
    const i = this.entries.indexOf(record as Entry);
    if (i < 0) return null;
    const m = this.secrets[i];
    return m === null ? null : copyMaterial(m);
  }

  isExpired(record: TokenRecord): boolean {
    return this.expiredEntry(record as Entry, this.clock.nowSeconds(), this.clock.monotonicMs());
  }

  /** Whether an exi token with this sequence number must be treated as expired (RFC 9200 §5.10.3). */
  exiSeqExpired(seq: number): boolean {
    return seq <= this.exiHigh;
  }

  // ---------------------------------------------------------- changes

  /**
   * Stores a verified token. Fails with 'bad_request' when its identifiers are bound to another
   * live token or its id is already stored, 'store_full' when no expired entry can make room.
   */
  add(input: TokenInput, material: OscoreMaterial | null): TokenRecord {
    checkInput(input);
    this.purgeExpired();
    this.checkUnique(input, null);
    if (this.entries.length >= this.maxEntries) fail('store_full', 'token store is full of live tokens (' + this.maxEntries + ')');
    const entry = this.makeEntry(input);
    const secret = material === null ? null : copyMaterial(material);
    this.commit((store: TokenStore) => {
      store.entries.push(entry);
      store.secrets.push(secret);
    }, []);
    return entry;
  }

  /**
   * Puts `input` in the place of `old` (a re-posted token, or an update of access rights as
   * RFC 9203 §4.4 allows). `material` null keeps the old entry's OSCORE material.
   */
  replace(old: TokenRecord, input: TokenInput, material: OscoreMaterial | null): TokenRecord {
    checkInput(input);
    const i = this.entries.indexOf(old as Entry);
    if (i < 0) fail('internal', 'replaced token is not in the store');
    this.checkUnique(input, old as Entry);
    const entry = this.makeEntry(input);
    const oldSecret = this.secrets[i];
    const secret = material === null ? oldSecret : copyMaterial(material);
    this.commit((store: TokenStore) => {
      store.entries[i] = entry;
      store.secrets[i] = secret;
    }, material === null ? [] : [oldSecret]);
    return entry;
  }

  remove(record: TokenRecord): void {
    const i = this.entries.indexOf(record as Entry);
    if (i < 0) return;
    const secret = this.secrets[i];
    this.commit((store: TokenStore) => {
      store.entries.splice(i, 1);
      store.secrets.splice(i, 1);
    }, [secret]);
  }

  /** Marks a single-use token as used: it becomes a tombstone until it expires. */
  consume(record: TokenRecord): void {
    const i = this.entries.indexOf(record as Entry);
    if (i < 0) return;
    const e = this.entries[i];
    const tomb: Entry = {
      tokenId: e.tokenId, recipientId: new Uint8Array(0), idContext: null, senderId: new Uint8Array(0),
      permissions: NO_PERMISSIONS, expiresAt: e.expiresAt, exiDeadline: e.exiDeadline, exiSeq: e.exiSeq,
      singleUse: e.singleUse, spent: true, audience: e.audience, subject: e.subject,
    };
    const secret = this.secrets[i];
    this.commit((store: TokenStore) => {
      store.entries[i] = tomb;
      store.secrets[i] = null;
    }, [secret]);
  }

  /** Drops expired entries (recording exi sequence numbers); returns how many went. */
  purgeExpired(): number {
    const nowS = this.clock.nowSeconds();
    const nowMs = this.clock.monotonicMs();
    const gone: Array<OscoreMaterial | null> = [];
    const keepE: Entry[] = [];
    const keepS: Array<OscoreMaterial | null> = [];
    let high = this.exiHigh;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (this.expiredEntry(e, nowS, nowMs)) {
        if (e.exiSeq !== null && e.exiSeq > high) high = e.exiSeq;
        gone.push(this.secrets[i]);
      } else {
        keepE.push(e);
        keepS.push(this.secrets[i]);
      }
    }
    if (gone.length === 0) return 0;
    this.commit((store: TokenStore) => {
      store.entries = keepE;
      store.secrets = keepS;
      store.exiHigh = high;
    }, gone);
    return gone.length;
  }

  // ---------------------------------------------------------- persistence

  /** Writes the store (also done after every change); refreshes the saved exi counters. */
  save(): void {
    const nowMs = this.clock.monotonicMs();
    const rows: CborValue[] = [];
    for (let i = 0; i < this.entries.length; i++) rows.push(this.row(this.entries[i], this.secrets[i], nowMs));
    const blob = sealBlob(VERSION, [this.exiHigh, rows], this.hash);
    try {
      this.storage.write(this.key, blob);
    } catch (e) {
      if (isCoreError(e)) throw e;
      fail('storage_failed', 'token store could not be written');
    }
  }

  /** Loads the stored tokens (at boot, before any request). A blob that does not check out is discarded whole. */
  load(): LoadResult {
    let blob: Uint8Array | null;
    try {
      blob = this.storage.read(this.key);
    } catch (e) {
      return { status: 'discarded', entries: 0, reason: 'token store could not be read' };
    }
    if (blob === null) return { status: 'empty', entries: 0, reason: '' };
    const entries: Entry[] = [];
    const secrets: Array<OscoreMaterial | null> = [];
    let high = -1;
    try {
      const content = openBlob(blob, VERSION, this.hash);
      if (content.length !== 2 || !isIntOrNull(content[0]) || content[0] === null || !Array.isArray(content[1])) {
        fail('storage_failed', 'token store has the wrong shape');
      }
      high = content[0] as number;
      const rows = content[1] as CborValue[];
      if (rows.length > this.maxEntries) fail('storage_failed', 'token store holds more entries than its capacity');
      const nowMs = this.clock.monotonicMs();
      for (let i = 0; i < rows.length; i++) {
        const parsed = this.parseRow(rows[i], nowMs);
        for (let k = 0; k < entries.length; k++) {
          if (bytesEqual(entries[k].tokenId, parsed.entry.tokenId)) fail('storage_failed', 'token store holds a token twice');
          if (!entries[k].spent && !parsed.entry.spent && bytesEqual(entries[k].recipientId, parsed.entry.recipientId) &&
            sameContextId(entries[k].idContext, parsed.entry.idContext)) fail('storage_failed', 'token store binds one context twice');
        }
        entries.push(parsed.entry);
        secrets.push(parsed.secret);
      }
    } catch (e) {
      for (let i = 0; i < secrets.length; i++) wipe(secrets[i]);
      const reason = isCoreError(e) ? e.message : 'token store is malformed';
      return { status: 'discarded', entries: 0, reason: reason };
    }
    for (let i = 0; i < this.secrets.length; i++) wipe(this.secrets[i]);
    this.entries = entries;
    this.secrets = secrets;
    this.exiHigh = high;
    return { status: 'loaded', entries: entries.length, reason: '' };
  }

  // ---------------------------------------------------------- internals

  /** Applies a change and saves it; on a failed save the change is undone. Secrets of dropped entries are zeroed only once saved. */
  private commit(change: (store: TokenStore) => void, dropped: Array<OscoreMaterial | null>): void {
    const entries = this.entries.slice();
    const secrets = this.secrets.slice();
    const high = this.exiHigh;
    change(this);
    try {
      this.save();
    } catch (e) {
      this.entries = entries;
      this.secrets = secrets;
      this.exiHigh = high;
      throw e;
    }
    for (let i = 0; i < dropped.length; i++) wipe(dropped[i]);
  }

  private makeEntry(t: TokenInput): Entry {
    return {
      tokenId: new Uint8Array(t.tokenId),
      recipientId: new Uint8Array(t.recipientId),
      idContext: copyOrNull(t.idContext),
      senderId: new Uint8Array(t.senderId),
      permissions: { grants: t.permissions.grants.slice(), unknown: t.permissions.unknown.slice() },
      expiresAt: t.exp,
      exiDeadline: t.exi === null ? null : this.clock.monotonicMs() + t.exi * 1000,
      exiSeq: t.exiSeq,
      singleUse: t.singleUse,
      spent: false,
      audience: t.audience,
      subject: t.subject,
    };
  }

  private checkUnique(t: TokenInput, except: Entry | null): void {
    const nowS = this.clock.nowSeconds();
    const nowMs = this.clock.monotonicMs();
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e === except) continue;
      if (bytesEqual(e.tokenId, t.tokenId)) fail('bad_request', e.spent ? 'token was single-use and is spent' : 'token is already stored');
      if (!e.spent && !this.expiredEntry(e, nowS, nowMs) && bytesEqual(e.recipientId, t.recipientId) && sameContextId(e.idContext, t.idContext)) {
        fail('bad_request', 'OSCORE identifiers are already bound to another token');
      }
    }
  }

  private indexByContext(recipientId: Uint8Array, idContext: Uint8Array | null, except: Entry | null): number {
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e !== except && !e.spent && bytesEqual(e.recipientId, recipientId) && sameContextId(e.idContext, idContext)) return i;
    }
    return -1;
  }

  private indexByTokenId(tokenId: Uint8Array): number {
    for (let i = 0; i < this.entries.length; i++) if (bytesEqual(this.entries[i].tokenId, tokenId)) return i;
    return -1;
  }

  private expiredAt(i: number): boolean {
    return this.expiredEntry(this.entries[i], this.clock.nowSeconds(), this.clock.monotonicMs());
  }

  private expiredEntry(e: Entry, nowS: number | null, nowMs: number): boolean {
    if (e.exiDeadline !== null && nowMs >= e.exiDeadline) return true;
    if (e.expiresAt !== null && (nowS === null || nowS >= e.expiresAt)) return true;
    if (e.exiSeq !== null && e.exiSeq <= this.exiHigh && e.exiDeadline !== null) return true;
    return false;
  }

  /** [tokenId, rid, idctx, sid, aif, exp, exiRemainingMs, exiSeq, singleUse, spent, aud, sub, ms, salt, aead, hkdf] */
  private row(e: Entry, m: OscoreMaterial | null, nowMs: number): CborValue[] {
    const remaining = e.exiDeadline === null ? null : Math.max(0, e.exiDeadline - nowMs);
    return [
      e.tokenId, e.recipientId, e.idContext, e.senderId, toAifValue(e.permissions), e.expiresAt, remaining,
      e.exiSeq, e.singleUse, e.spent, e.audience, e.subject,
      m === null ? null : m.masterSecret, m === null ? null : m.masterSalt,
      m === null ? null : m.aeadAlg, m === null ? null : m.hkdfAlg,
    ];
  }

  private parseRow(v: CborValue, nowMs: number): { entry: Entry; secret: OscoreMaterial | null } {
    if (!Array.isArray(v) || v.length !== 16) return fail('storage_failed', 'token entry has the wrong shape');
    const r = v as CborValue[];
    const ok = isBytes(r[0]) && isBytes(r[1]) && (r[2] === null || isBytes(r[2])) && isBytes(r[3]) &&
      isNumberOrNull(r[5]) && isNumberOrNull(r[6]) && isIntOrNull(r[7]) && typeof r[8] === 'boolean' &&
      typeof r[9] === 'boolean' && typeof r[10] === 'string' && (r[11] === null || typeof r[11] === 'string');
    if (!ok) fail('storage_failed', 'token entry has a field of the wrong type');
    let secret: OscoreMaterial | null = null;
    if (r[12] !== null) {
      if (!isBytes(r[12]) || !isBytes(r[13]) || typeof r[14] !== 'number' || typeof r[15] !== 'number') {
        fail('storage_failed', 'token entry has malformed OSCORE material');
      }
      secret = { masterSecret: r[12] as Uint8Array, masterSalt: r[13] as Uint8Array, aeadAlg: r[14] as number, hkdfAlg: r[15] as number };
    } else if (r[13] !== null || r[14] !== null || r[15] !== null) fail('storage_failed', 'token entry has partial OSCORE material');
    let permissions: PermissionSet;
    try {
      permissions = fromAifValue(r[4], { maxEntries: 1024 });
    } catch (e) {
      return fail('storage_failed', 'token entry has malformed permissions');
    }
    const entry: Entry = {
      tokenId: r[0] as Uint8Array, recipientId: r[1] as Uint8Array, idContext: r[2] as Uint8Array | null,
      senderId: r[3] as Uint8Array, permissions: permissions, expiresAt: r[5] as number | null,
      exiDeadline: r[6] === null ? null : nowMs + (r[6] as number), exiSeq: r[7] as number | null,
      singleUse: r[8] as boolean, spent: r[9] as boolean, audience: r[10] as string, subject: r[11] as string | null,
    };
    return { entry: entry, secret: secret };
  }
}
