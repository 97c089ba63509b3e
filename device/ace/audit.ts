/**
 * The audit log of access decisions: who (peer, token id) asked for what (path, method), and
 * whether it was granted and why not. Never keys: a token is named by its id (cti or hash).
 *
 * A bounded ring in memory (the oldest event goes when it is full), persisted through Storage
 * in batches so that requests do not each write flash: after `flushEvery` new events, or
 * when the host calls flush() (at shutdown, say). The blob is framed like the token store's
 * (sealBlob: version and SHA-256), and a blob that does not check out is discarded whole.
 *
 * Times are wall-clock seconds when the device has a clock, else monotonic milliseconds
 * (which restart at boot); `seq` keeps increasing across reboots, so order stays clear.
 */
import { CoreError, asCoreError, fail, isCoreError } from '../errors.ts';
import { CborValue } from '../codec/cbor.ts';
import { toHex } from '../codec/bytes.ts';
import { Clock, Storage } from '../storage.ts';
import { HashFn, openBlob, sealBlob } from './token-store.ts';

export interface AuditInput {
  /** Host-defined peer address, e.g. "127.0.0.1:40123". */
  peer: string;
  /** Id of the token the decision used, or null (no token). */
  tokenId: Uint8Array | null;
  /** URI-local-part of the request. */
  path: string;
  /** CoAP method code (GET = 1 ...). */
  method: number;
  granted: boolean;
  /** 'granted', or the kind of refusal ('forbidden', 'method_not_allowed', 'unauthorized', ...). */
  reason: string;
}

export interface AuditEvent extends AuditInput {
  seq: number;
  /** Wall seconds when `wall`, else monotonic milliseconds. */
  time: number;
  wall: boolean;
}

export interface AuditLogOptions {
  storage: Storage;
  clock: Clock;
  hash: HashFn;
  /** Events kept (the ring's size). */
  capacity: number;
  /** Write after this many new events (1 writes every event). */
  flushEvery: number;
  /** Storage key; "ace-audit" by default. */
  key?: string;
}

export interface AuditLoadResult {
  status: 'empty' | 'loaded' | 'discarded';
  events: number;
  reason: string;
}

const VERSION = 1;
const MAX_TEXT = 128;

function clip(s: string): string {
  return s.length > MAX_TEXT ? s.substring(0, MAX_TEXT) : s;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'];

/** One log line, e.g. "#12 t=1700000000 127.0.0.1:5683 token=01ab POST /lock granted". */
export function formatEvent(e: AuditEvent): string {
  const method = e.method >= 1 && e.method <= 7 ? METHODS[e.method - 1] : 'code' + e.method;
  return '#' + e.seq + ' ' + (e.wall ? 't=' : 'mono=') + e.time + ' ' + e.peer + ' token=' +
    (e.tokenId ? toHex(e.tokenId) : '-') + ' ' + method + ' ' + e.path + ' ' + (e.granted ? 'granted' : 'denied:' + e.reason);
}

export class AuditLog {
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly hash: HashFn;
  private readonly key: string;
  readonly capacity: number;
  readonly flushEvery: number;
  private ring: AuditEvent[] = [];
  /** Index of the oldest event in `ring` once it is full. */
  private start = 0;
  private nextSeq = 0;
  private unsaved = 0;
  /** The last failed write, kept for the host to report; cleared by a good write. */
  flushError: CoreError | null = null;

  constructor(options: AuditLogOptions) {
    if (!(options.capacity >= 1) || !(options.flushEvery >= 1)) fail('internal', 'audit log needs capacity and flushEvery >= 1');
    this.storage = options.storage;
    this.clock = options.clock;
    this.hash = options.hash;
    this.key = options.key || 'ace-audit';
    this.capacity = Math.floor(options.capacity);
    this.flushEvery = Math.floor(options.flushEvery);
  }

  /** Events not yet written. */
  get pending(): number {
    return this.unsaved;
  }

  get size(): number {
    return this.ring.length;
  }

  /** Called with every event as it is recorded (the host's log). */
  onRecord: ((event: AuditEvent) => void) | null = null;

  /**
   * Appends a decision. A due write that fails is kept in `flushError` and retried with the
   * next batch: an audit failure must not change the answer to the request itself.
   */
  record(input: AuditInput): AuditEvent {
    const wallNow = this.clock.nowSeconds();
    const event: AuditEvent = {
      seq: this.nextSeq++,
      time: wallNow !== null ? wallNow : this.clock.monotonicMs(),
      wall: wallNow !== null,
      peer: clip(String(input.peer)),
      tokenId: input.tokenId ? new Uint8Array(input.tokenId) : null,
      path: clip(String(input.path)),
      method: input.method,
      granted: input.granted === true,
      reason: clip(String(input.reason)),
    };
    this.push(event);
    if (this.onRecord !== null) this.onRecord(event);
    this.unsaved++;
    if (this.unsaved >= this.flushEvery) {
      try {
        this.flush();
      } catch (e) {
        this.flushError = asCoreError(e);
      }
    }
    return event;
  }

  /** Oldest first. */
  events(): AuditEvent[] {
    return this.ring.slice(this.start).concat(this.ring.slice(0, this.start));
  }

  /** Writes the ring if anything is unsaved. Throws CoreError('storage_failed') when the write fails. */
  flush(): void {
    if (this.unsaved === 0) return;
    const all = this.events();
    const rows: CborValue[] = [];
    for (let i = 0; i < all.length; i++) {
      const e = all[i];
      rows.push([e.seq, e.time, e.wall, e.peer, e.tokenId, e.path, e.method, e.granted, e.reason]);
    }
    try {
      this.storage.write(this.key, sealBlob(VERSION, [this.nextSeq, rows], this.hash));
    } catch (e) {
      if (isCoreError(e)) throw e;
      fail('storage_failed', 'audit log could not be written');
    }
    this.unsaved = 0;
    this.flushError = null;
  }

  /** Restores the stored events (at boot). A blob that does not check out is discarded whole. */
  load(): AuditLoadResult {
    let blob: Uint8Array | null;
    try {
      blob = this.storage.read(this.key);
    } catch (e) {
      return { status: 'discarded', events: 0, reason: 'audit log could not be read' };
    }
    if (blob === null) return { status: 'empty', events: 0, reason: '' };
    const events: AuditEvent[] = [];
    let nextSeq = 0;
    try {
      const content = openBlob(blob, VERSION, this.hash);
      if (content.length !== 2 || typeof content[0] !== 'number' || !Array.isArray(content[1])) {
        fail('storage_failed', 'audit log has the wrong shape');
      }
      nextSeq = content[0] as number;
      const rows = content[1] as CborValue[];
      for (let i = 0; i < rows.length; i++) events.push(parseRow(rows[i]));
    } catch (e) {
      return { status: 'discarded', events: 0, reason: isCoreError(e) ? e.message : 'audit log is malformed' };
    }
    const kept = events.length > this.capacity ? events.slice(events.length - this.capacity) : events;
    this.ring = kept;
    this.start = 0;
    this.nextSeq = nextSeq;
    this.unsaved = 0;
    return { status: 'loaded', events: kept.length, reason: '' };
  }

  private push(event: AuditEvent): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(event);
      return;
    }
    this.ring[this.start] = event;
    this.start = (this.start + 1) % this.capacity;
  }
}

function parseRow(v: CborValue): AuditEvent {
  if (!Array.isArray(v) || v.length !== 9) fail('storage_failed', 'audit event has the wrong shape');
  const r = v as CborValue[];
  const ok = typeof r[0] === 'number' && typeof r[1] === 'number' && typeof r[2] === 'boolean' &&
    typeof r[3] === 'string' && (r[4] === null || r[4] instanceof Uint8Array) && typeof r[5] === 'string' &&
    typeof r[6] === 'number' && typeof r[7] === 'boolean' && typeof r[8] === 'string';
  if (!ok) fail('storage_failed', 'audit event has a field of the wrong type');
  return {
    seq: r[0] as number, time: r[1] as number, wall: r[2] as boolean, peer: r[3] as string,
    tokenId: r[4] as Uint8Array | null, path: r[5] as string, method: r[6] as number,
    granted: r[7] as boolean, reason: r[8] as string,
  };
}
