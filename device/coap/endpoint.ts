/**
 * The server's message layer (RFC 7252 §4, RFC 7641 §4.5): one datagram and its peer in,
 * reply datagrams out through Transport.send. Time comes only from Transport.now(); the
 * host calls poll() when nextDeadline() is reached, so the same code runs on a socket, a
 * BLE characteristic or the simulator's virtual clock.
 *
 * - Requests are deduplicated by (peer, message ID) over EXCHANGE_LIFETIME in a bounded
 *   table; a duplicate CON gets the bytes of the first answer again (§4.5).
 * - A response given inside handle() is piggybacked on the ACK (CON) or sent as NON (§5.2.1,
 *   §5.2.3). Otherwise an Empty ACK goes out at once and the late response is a CON with a
 *   new message ID, retransmitted with exponential back-off until ACKed, reset, or
 *   MAX_RETRANSMIT (§4.2, §5.2.2).
 * - A 2.xx response to GET or FETCH (RFC 8132 §2.4; the outer code of an OSCORE Observe,
 *   RFC 8613 §4.1.3.5) that carries Observe registers an observation (RFC 7641): its
 *   notifications are CONs with the request's token; at most one is in flight and a newer
 *   one replaces it at the next transmission (§4.5.2). RST, time-out, a notification that
 *   is not 2.xx-with-Observe, or a new request reusing the token (re-registration or
 *   deregistration, §3.3.1, §3.6) end it.
 * - Rejections: a malformed CON, an Empty CON ("ping"), or a CON with a response or
 *   reserved code gets RST; NON, ACK and RST of that kind are ignored (§4.2, §4.3). A CON
 *   request with a critical option the handler chain does not process gets 4.02 (§5.4.1);
 *   such a NON is rejected silently.
 * Memory is bounded: the deduplication table and the exchanges kept after handle() (waiting
 * for a late response, with a CON in flight, or observing) have fixed limits.
 */
import { Code, CoreError, asCoreError, fail } from '../errors.ts';
import { bytesEqual } from '../codec/bytes.ts';
import { DedupTable } from './dedup.ts';
import { Requester } from './client.ts';
import type { OutgoingRequest, ResponseCallback } from './client.ts';
import type { DedupEntry } from './dedup.ts';
import { errorResponse } from './diagnostic.ts';
import type { CoapMessage, CoapOption, CoapResponse, Exchange, RequestHandler, Transport } from './interfaces.ts';
import { EMPTY_BYTES, MessageFormatError, decode, emptyMessage, encodeParts, findBadOption, hasOption, isSuccess } from './message.ts';
import {
  ACK_RANDOM_FACTOR,
  ACK_TIMEOUT,
  EXCHANGE_LIFETIME,
  MAX_RETRANSMIT,
  MAX_TRANSMIT_WAIT,
  Method,
  Option,
  Type,
} from './numbers.ts';

export interface EndpointOptions {
  /** CSPRNG bytes (the crypto provider's randomBytes): first message ID, retransmission jitter. */
  randomBytes(length: number): Uint8Array;
  /** Requests remembered for deduplication; beyond it the oldest is forgotten. Default 64. */
  dedupCapacity?: number;
  /** Exchanges kept after handle() (late response pending, CON in flight, observing). Default 16. */
  maxExchanges?: number;
  /** Critical options the handler chain processes; others get 4.02. Default DEFAULT_UNDERSTOOD. */
  understood?: number[];
  /** How long a request waits for a late exchange.respond() before it is dropped (ms). */
  lateResponseMs?: number;
  /** ACK_TIMEOUT and MAX_RETRANSMIT of RFC 7252 §4.8, for hosts that tune them. */
  ackTimeoutMs?: number;
  maxRetransmit?: number;
}

/**
 * Critical options the device's handler chain processes: the Site (Uri-*, Accept, Block2)
 * and the OSCORE layer, which decides for the inner message (RFC 8613 §4.1).
 */
export const DEFAULT_UNDERSTOOD: number[] = [
  Option.UriHost,
  Option.UriPort,
  Option.UriPath,
  Option.UriQuery,
  Option.Accept,
  Option.Block2,
  Option.Oscore,
];

// Exchange phases
const HANDLING = 0; // inside handler.handle(): a response is piggybacked
const WAITING = 1; // handle() returned without responding: the response will be separate
const RESPONDED = 2; // response sent; a CON may still be in flight, an observation may go on
const ENDED = 3; // forgotten by the endpoint

class ServerExchange implements Exchange {
  readonly request: CoapMessage;
  readonly peer: string;
  readonly security = null;
  phase = HANDLING;
  observing = false;
  cancelled = false;
  /** The deduplication entry, only while handle() runs. */
  entry: DedupEntry | null;
  /** The CON awaiting its ACK, its retransmission state, and a newer response queued behind it. */
  inflight: Uint8Array | null = null;
  retransmits = 0;
  timeout = 0;
  deadline = Infinity;
  queued: CoapResponse | null = null;
  /** The last message ID this exchange sent (mapped for ACK/RST matching), or -1. */
  mid = -1;
  liveIndex = -1;
  private cancelFns: Array<() => void> | null = null;
  private readonly endpoint: Endpoint;

  constructor(endpoint: Endpoint, request: CoapMessage, peer: string, entry: DedupEntry) {
    this.endpoint = endpoint;
    this.request = request;
    this.peer = peer;
    this.entry = entry;
  }

  get active(): boolean {
    return this.phase < RESPONDED || this.observing;
  }

  respond(response: CoapResponse): void {
    this.endpoint.respondTo(this, response);
  }

  notify(response: CoapResponse): void {
    this.endpoint.notifyTo(this, response);
  }

  onCancel(fn: () => void): void {
    if (this.cancelled) fn();
    else if (this.phase !== ENDED) {
      if (this.cancelFns === null) this.cancelFns = [];
      this.cancelFns.push(fn);
    }
  }

  /** Runs the onCancel callbacks once; a callback that throws does not stop the others. */
  fireCancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const fns = this.cancelFns;
    this.cancelFns = null;
    if (fns === null) return;
    for (let i = 0; i < fns.length; i++) {
      try {
        fns[i]();
      } catch (e) {
        // a broken callback must not break the message layer
      }
    }
  }
}

function withoutOption(r: CoapResponse, number: number): CoapResponse {
  const options: CoapOption[] = [];
  for (let i = 0; i < r.options.length; i++) if (r.options[i].number !== number) options.push(r.options[i]);
  return { code: r.code, options: options, payload: r.payload };
}

function positiveInt(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!(v >= 1) || v % 1 !== 0) fail('internal', what + ' must be a positive integer');
  return v;
}

export class Endpoint {
  private readonly handler: RequestHandler;
  private readonly transport: Transport;
  private readonly randomBytes: (length: number) => Uint8Array;
  private readonly dedup: DedupTable;
  private readonly understood: { [option: number]: boolean } = {};
  private readonly maxExchanges: number;
  private readonly lateResponseMs: number;
  private readonly ackTimeout: number;
  private readonly maxRetransmit: number;
  /** Exchanges kept after handle(); swap-removed through liveIndex. */
  private readonly live: ServerExchange[] = [];
  /** Our message IDs awaiting ACK/RST (and an observation's last one), to their exchange. */
  private readonly byMid: { [messageId: number]: ServerExchange | undefined } = {};
  /** Observing exchanges by '#' + peer, to find a reused token. */
  private readonly observers: { [key: string]: ServerExchange[] | undefined } = {};
  private observerCount = 0;
  private lastMid: number;
  private readonly requester: Requester;
  /** No deadline is earlier than this (it may be stale-early after ACKs; poll recomputes it). */
  private earliest = Infinity;

  constructor(handler: RequestHandler, transport: Transport, options: EndpointOptions) {
    this.handler = handler;
    this.transport = transport;
    this.randomBytes = function (n: number): Uint8Array {
      return options.randomBytes(n);
    };
    this.dedup = new DedupTable(positiveInt(options.dedupCapacity, 64, 'dedupCapacity'));
    this.maxExchanges = positiveInt(options.maxExchanges, 16, 'maxExchanges');
    this.lateResponseMs = positiveInt(options.lateResponseMs, MAX_TRANSMIT_WAIT, 'lateResponseMs');
    this.ackTimeout = positiveInt(options.ackTimeoutMs, ACK_TIMEOUT, 'ackTimeoutMs');
    this.maxRetransmit = options.maxRetransmit === 0 ? 0 : positiveInt(options.maxRetransmit, MAX_RETRANSMIT, 'maxRetransmit');
    const understood = options.understood !== undefined ? options.understood : DEFAULT_UNDERSTOOD;
    for (let i = 0; i < understood.length; i++) this.understood[understood[i]] = true;
    const r = this.randomBytes(2);
    this.lastMid = (r[0] << 8) | r[1];
    const self = this;
    this.requester = new Requester(transport, {
      randomBytes: this.randomBytes,
      nextMessageId: function (): number { return self.nextMid(); },
      ackTimeoutMs: this.ackTimeout,
      maxRetransmit: this.maxRetransmit,
    });
  }

  /** A request of the device's own (introspection at the AS): CON, retransmitted, answered once. */
  sendRequest(request: OutgoingRequest, peer: string, callback: ResponseCallback): void {
    this.requester.send(request, peer, callback);
  }

  /** When poll() has work next (Transport.now() milliseconds), or Infinity. */
  nextDeadline(): number {
    const client = this.requester.nextDeadline();
    return client < this.earliest ? client : this.earliest;
  }

  /** Exchanges currently kept after handle() (for tests and hosts' statistics). */
  get pendingExchanges(): number {
    return this.live.length;
  }

  /** Takes one datagram from a peer. Never throws on any input. */
  receive(datagram: Uint8Array, peer: string): void {
    let msg: CoapMessage;
    try {
      msg = decode(datagram);
    } catch (e) {
      if (e instanceof MessageFormatError && e.type === Type.CON) this.send(emptyMessage(Type.RST, e.messageId), peer);
      return;
    }
    if (msg.type === Type.ACK || msg.type === Type.RST) {
      if (msg.code === 0) {
        if (!this.requester.acknowledged(msg.type, msg.messageId, peer)) this.acknowledged(msg.type, msg.messageId, peer);
      } else if (msg.type === Type.ACK) this.requester.receive(msg, peer);
      return;
    }
    if (msg.code >> 5 >= 2 && this.requester.receive(msg, peer)) return;
    if (msg.code === 0 || msg.code >> 5 !== 0) {
      // CoAP ping (§4.3), or a response / reserved class where a request belongs (§4.2)
      if (msg.type === Type.CON) this.send(emptyMessage(Type.RST, msg.messageId), peer);
      return;
    }
    this.request(msg, peer);
  }

  /** Retransmits and expires what is due at Transport.now(). */
  poll(): void {
    const now = this.transport.now();
    this.requester.poll(now);
    if (now < this.earliest) return;
    const due: ServerExchange[] = [];
    for (let i = 0; i < this.live.length; i++) if (this.live[i].deadline <= now) due.push(this.live[i]);
    // callbacks may touch other exchanges, so act on a snapshot and re-check each
    for (let i = 0; i < due.length; i++) {
      const ex = due[i];
      if (ex.phase !== ENDED && ex.deadline <= now) this.timerFired(ex, now);
    }
    let earliest = Infinity;
    for (let i = 0; i < this.live.length; i++) if (this.live[i].deadline < earliest) earliest = this.live[i].deadline;
    this.earliest = earliest;
  }

  // ---------------------------------------------------------------- requests

  private request(msg: CoapMessage, peer: string): void {
    const now = this.transport.now();
    this.dedup.expire(now);
    const seen = this.dedup.find(peer, msg.messageId);
    if (seen !== null) {
      if (msg.type === Type.CON && seen.reply !== null) this.send(seen.reply, peer);
      return;
    }
    const entry = this.dedup.add(peer, msg.messageId, now + EXCHANGE_LIFETIME);
    if (this.observerCount > 0) this.endObservationWithToken(peer, msg.token);
    const ex = new ServerExchange(this, msg, peer, entry);
    const bad = findBadOption(msg.options, this.understood);
    if (bad >= 0) {
      if (msg.type === Type.CON) ex.respond(errorResponse(new CoreError('bad_option', 'unrecognized critical option ' + bad)));
      ex.phase = ENDED;
      return;
    }
    try {
      this.handler.handle(ex);
    } catch (e) {
      if (ex.phase === HANDLING) ex.respond(errorResponse(asCoreError(e)));
    }
    if (ex.phase === HANDLING) this.awaitLateResponse(ex, entry, now);
    ex.entry = null;
  }

  /** handle() gave no response: ACK the CON now and keep the exchange for a separate response. */
  private awaitLateResponse(ex: ServerExchange, entry: DedupEntry, now: number): void {
    if (this.live.length >= this.maxExchanges) {
      ex.respond(errorResponse(new CoreError('store_full', 'too many pending exchanges')));
      return;
    }
    ex.phase = WAITING;
    if (ex.request.type === Type.CON) {
      entry.reply = emptyMessage(Type.ACK, ex.request.messageId);
      this.send(entry.reply, ex.peer);
    }
    this.addLive(ex);
    this.setDeadline(ex, now + this.lateResponseMs);
  }

  /** @internal Exchange.respond: piggybacked while handling, separate afterwards; at most once. */
  respondTo(ex: ServerExchange, response: CoapResponse): void {
    if (ex.phase !== HANDLING && ex.phase !== WAITING) return;
    const req = ex.request;
    let r = response;
    let registers = false;
    let refused = false;
    if ((req.code === Method.GET || req.code === Method.FETCH) && isSuccess(r.code) && hasOption(r.options, Option.Observe)) {
      // no room for one more kept exchange: answer without registering (RFC 7641 §4.1)
      if (ex.liveIndex >= 0 || this.live.length < this.maxExchanges) registers = true;
      else {
        r = withoutOption(r, Option.Observe);
        refused = true;
      }
    }
    const piggyback = ex.phase === HANDLING;
    ex.phase = RESPONDED;
    if (piggyback && req.type === Type.CON) {
      const bytes = this.encode(Type.ACK, r, req.messageId, req.token);
      if (ex.entry !== null) ex.entry.reply = bytes;
      this.send(bytes, ex.peer);
    } else if (req.type === Type.CON) {
      this.sendConfirmable(ex, r);
    } else {
      const mid = this.nextMid();
      const bytes = this.encode(Type.NON, r, mid, req.token);
      if (piggyback && ex.entry !== null) ex.entry.reply = bytes;
      if (registers) this.mapMid(ex, mid);
      this.send(bytes, ex.peer);
    }
    if (registers) {
      ex.observing = true;
      this.addLive(ex);
      this.addObserver(ex);
    } else if (ex.inflight === null) this.finish(ex);
    if (refused) ex.fireCancel(); // the handler that asked for the observation learns it has none
  }

  /** @internal Exchange.notify: one more notification of an observation (RFC 7641 §4.2). */
  notifyTo(ex: ServerExchange, response: CoapResponse): void {
    if (!ex.observing) return;
    if (!isSuccess(response.code) || !hasOption(response.options, Option.Observe)) {
      // a final notification ends the observation once it is sent (RFC 7641 §3.2, §4.2)
      this.removeObserver(ex);
      ex.fireCancel();
    }
    this.sendConfirmable(ex, response);
  }

  // ---------------------------------------------------------------- confirmable messages

  private sendConfirmable(ex: ServerExchange, r: CoapResponse): void {
    if (ex.inflight !== null) {
      ex.queued = r; // one CON at a time; the newest goes out at the next transmission
      return;
    }
    const mid = this.nextMid();
    ex.inflight = this.encode(Type.CON, r, mid, ex.request.token);
    this.mapMid(ex, mid);
    ex.retransmits = 0;
    const jitter = this.randomBytes(1)[0] / 255;
    ex.timeout = this.ackTimeout * (1 + (ACK_RANDOM_FACTOR - 1) * jitter);
    this.addLive(ex);
    this.setDeadline(ex, this.transport.now() + ex.timeout);
    this.send(ex.inflight, ex.peer);
  }

  private timerFired(ex: ServerExchange, now: number): void {
    if (ex.phase === WAITING || ex.inflight === null || ex.retransmits >= this.maxRetransmit) {
      this.cancel(ex); // no late response came, or the CON was never acknowledged
      return;
    }
    ex.retransmits++;
    ex.timeout *= 2;
    if (ex.queued !== null) {
      const mid = this.nextMid();
      ex.inflight = this.encode(Type.CON, ex.queued, mid, ex.request.token);
      ex.queued = null;
      this.mapMid(ex, mid);
    }
    this.setDeadline(ex, now + ex.timeout);
    this.send(ex.inflight, ex.peer);
  }

  private acknowledged(type: number, messageId: number, peer: string): void {
    const ex = this.byMid[messageId];
    if (ex === undefined || ex.peer !== peer) return;
    if (type === Type.RST) {
      this.cancel(ex);
      return;
    }
    if (ex.inflight === null || ex.mid !== messageId) return;
    ex.inflight = null;
    ex.deadline = Infinity;
    if (ex.queued !== null) {
      const next = ex.queued;
      ex.queued = null;
      this.sendConfirmable(ex, next);
    } else if (!ex.observing) this.finish(ex);
  }

  // ---------------------------------------------------------------- bookkeeping

  private cancel(ex: ServerExchange): void {
    this.removeObserver(ex);
    this.finish(ex);
    ex.fireCancel();
  }

  private finish(ex: ServerExchange): void {
    ex.phase = ENDED;
    ex.inflight = null;
    ex.queued = null;
    ex.deadline = Infinity;
    if (ex.mid >= 0 && this.byMid[ex.mid] === ex) delete this.byMid[ex.mid];
    if (ex.liveIndex >= 0) {
      const last = this.live.pop() as ServerExchange;
      if (last !== ex) {
        this.live[ex.liveIndex] = last;
        last.liveIndex = ex.liveIndex;
      }
      ex.liveIndex = -1;
    }
  }

  private addLive(ex: ServerExchange): void {
    if (ex.liveIndex >= 0) return;
    ex.liveIndex = this.live.length;
    this.live.push(ex);
  }

  private setDeadline(ex: ServerExchange, at: number): void {
    ex.deadline = at;
    if (at < this.earliest) this.earliest = at;
  }

  private mapMid(ex: ServerExchange, mid: number): void {
    if (ex.mid >= 0 && this.byMid[ex.mid] === ex) delete this.byMid[ex.mid];
    ex.mid = mid;
    this.byMid[mid] = ex;
  }

  private nextMid(): number {
    this.lastMid = (this.lastMid + 1) & 0xffff;
    return this.lastMid;
  }

  private addObserver(ex: ServerExchange): void {
    const key = '#' + ex.peer;
    const list = this.observers[key];
    if (list === undefined) this.observers[key] = [ex];
    else list.push(ex);
    this.observerCount++;
  }

  private removeObserver(ex: ServerExchange): void {
    if (!ex.observing) return;
    ex.observing = false;
    const key = '#' + ex.peer;
    const list = this.observers[key];
    if (list === undefined) return;
    const i = list.indexOf(ex);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) delete this.observers[key];
    this.observerCount--;
  }

  /** A request that reuses an observation's token replaces or ends it (RFC 7641 §3.3.1, §3.6). */
  private endObservationWithToken(peer: string, token: Uint8Array): void {
    const list = this.observers['#' + peer];
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      if (bytesEqual(list[i].request.token, token)) {
        this.cancel(list[i]);
        return;
      }
    }
  }

  /** Encodes an answer; a response the codec refuses (a handler's bug) becomes 5.00. */
  private encode(type: number, r: CoapResponse, mid: number, token: Uint8Array): Uint8Array {
    try {
      return encodeParts(type, r.code, mid, token, r.options, r.payload);
    } catch (e) {
      return encodeParts(type, Code.InternalServerError, mid, token, [], EMPTY_BYTES);
    }
  }

  private send(datagram: Uint8Array, peer: string): void {
    this.transport.send(datagram, peer);
  }
}
