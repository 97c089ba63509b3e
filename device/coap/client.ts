/**
 * The client half of the device's endpoint: the few requests a device makes itself (a
 * connected lock's introspection at the AS, RFC 9200 §5.9). Confirmable, retransmitted with
 * exponential back-off (RFC 7252 §4.2), matched by message ID for piggybacked answers and by
 * token for separate ones (§5.3.2), which are acknowledged. Bounded: a few requests at once.
 * The Endpoint owns the socket and hands this what is not a request.
 */
import { CoreError } from '../errors.ts';
import { bytesEqual } from '../codec/bytes.ts';
import type { CoapMessage, CoapOption, Transport } from './interfaces.ts';
import { emptyMessage, encodeParts } from './message.ts';
import { ACK_RANDOM_FACTOR, EXCHANGE_LIFETIME, Type } from './numbers.ts';

export interface OutgoingRequest {
  code: number;
  options: CoapOption[];
  payload: Uint8Array;
}

/** Called once: with the response, or with the reason there is none. */
export type ResponseCallback = (response: CoapMessage | null, error: CoreError | null) => void;

interface Pending {
  peer: string;
  mid: number;
  token: Uint8Array;
  datagram: Uint8Array;
  callback: ResponseCallback;
  /** Retransmissions so far; -1 once ACKed (waiting for a separate response). */
  retransmits: number;
  timeout: number;
  deadline: number;
}

export interface RequesterOptions {
  randomBytes: (length: number) => Uint8Array;
  nextMessageId: () => number;
  ackTimeoutMs: number;
  maxRetransmit: number;
  /** Requests in flight at most. Default 4. */
  maxPending?: number;
}

export class Requester {
  private readonly pending: Pending[] = [];
  private readonly maxPending: number;

  constructor(private readonly transport: Transport, private readonly options: RequesterOptions) {
    this.maxPending = options.maxPending || 4;
  }

  /** Sends a CON request; `callback` gets the response or an error (time-out, reset, full). */
  send(request: OutgoingRequest, peer: string, callback: ResponseCallback): void {
    if (this.pending.length >= this.maxPending) {
      callback(null, new CoreError('store_full', 'too many requests in flight'));
      return;
    }
    const mid = this.options.nextMessageId();
    const token = this.options.randomBytes(4);
    const datagram = encodeParts(Type.CON, request.code, mid, token, request.options, request.payload);
    const r = this.options.randomBytes(1)[0] / 255;
    const timeout = this.options.ackTimeoutMs * (1 + (ACK_RANDOM_FACTOR - 1) * r);
    this.pending.push({ peer, mid, token, datagram, callback, retransmits: 0, timeout, deadline: this.transport.now() + timeout });
    this.transport.send(datagram, peer);
  }

  nextDeadline(): number {
    let next = Infinity;
    for (let i = 0; i < this.pending.length; i++) if (this.pending[i].deadline < next) next = this.pending[i].deadline;
    return next;
  }

  poll(now: number): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i];
      if (p.deadline > now) continue;
      if (p.retransmits < 0 || p.retransmits >= this.options.maxRetransmit) {
        this.finish(i, null, new CoreError('internal', 'no response from ' + p.peer));
        continue;
      }
      p.retransmits++;
      p.timeout *= 2;
      p.deadline = now + p.timeout;
      this.transport.send(p.datagram, p.peer);
    }
  }

  /** An empty ACK or RST: true when it was for one of ours. */
  acknowledged(type: number, messageId: number, peer: string): boolean {
    const i = this.indexByMid(messageId, peer);
    if (i < 0) return false;
    if (type === Type.RST) {
      this.finish(i, null, new CoreError('internal', 'request reset by ' + peer));
      return true;
    }
    // §5.2.2: the response will come separately; wait for it as long as an exchange may last.
    const p = this.pending[i];
    p.retransmits = -1;
    p.deadline = this.transport.now() + EXCHANGE_LIFETIME;
    return true;
  }

  /** A response (piggybacked on an ACK, or separate): true when it answered one of ours. */
  receive(msg: CoapMessage, peer: string): boolean {
    let i = -1;
    if (msg.type === Type.ACK) i = this.indexByMid(msg.messageId, peer);
    else {
      for (let k = 0; k < this.pending.length; k++) {
        if (this.pending[k].peer === peer && bytesEqual(this.pending[k].token, msg.token)) i = k;
      }
    }
    if (i < 0 || !bytesEqual(this.pending[i].token, msg.token)) return false;
    if (msg.type === Type.CON) this.transport.send(emptyMessage(Type.ACK, msg.messageId), peer);
    this.finish(i, msg, null);
    return true;
  }

  private indexByMid(mid: number, peer: string): number {
    for (let i = 0; i < this.pending.length; i++) if (this.pending[i].mid === mid && this.pending[i].peer === peer) return i;
    return -1;
  }

  private finish(i: number, response: CoapMessage | null, error: CoreError | null): void {
    const p = this.pending[i];
    this.pending.splice(i, 1);
    p.callback(response, error);
  }
}
