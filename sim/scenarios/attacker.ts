/**
 * The attacker: a node in radio range of a device. It listens to what crosses a link (a
 * radio is a shared medium), sends whatever bytes it likes (replays, forgeries), and runs the
 * same phone library as everyone else when that is the convenient way to speak CoAP. It has
 * no tap on the phones' channel to the AS (TLS there; see sim/as/server.ts).
 */
import { Agent } from 'coap';
import { CborMap, portableCbor } from '../../device/codec/cbor.ts';
import { decode } from '../../device/coap/message.ts';
import { uriPath } from '../../device/coap/message.ts';
import { AceParam } from '../../device/ace/numbers.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import type { Prng } from '../core/prng.ts';
import type { Addr, Link, Transmission } from '../links/network.ts';
import { SimSocket } from '../links/socket.ts';
import { peekHeader } from '../core/coap-label.ts';
import { postAuthzInfo } from '../phone/ace-client.ts';
import type { AuthzInfoReply } from '../phone/ace-client.ts';
import type { World } from './world.ts';

export class Attacker {
  readonly addr: Addr;
  readonly socket: SimSocket;
  readonly agent: Agent;
  readonly prng: Prng;
  readonly provider: CryptoProvider;
  /** Every datagram overheard, in order. */
  readonly captured: Transmission[] = [];

  constructor(private readonly w: World, readonly name: string) {
    this.addr = { address: w.otherAddress(), port: 40666 };
    w.sim.network.name(this.addr.address, name);
    this.prng = w.sim.prng.fork('attacker/' + name);
    this.provider = w.sim.provider('attacker/' + name);
    this.socket = new SimSocket(w.sim.network, this.addr);
    this.agent = new Agent({ socket: this.socket as never });
    const a = this.agent as unknown as { _lastMessageId: number; _nextToken: () => Buffer };
    a._lastMessageId = this.prng.int(65535);
    a._nextToken = () => Buffer.from(this.prng.bytes(8));
  }

  note(text: string): void {
    this.w.sim.trace.note(this.w.sim.now(), this.addr.address, text);
  }

  /** Overhears everything the link carries from now on. */
  sniff(link: Link): void {
    this.w.sim.network.tap(link, (tx) => this.captured.push({ ...tx, bytes: tx.bytes.slice() }));
  }

  /** The overheard requests to `path` (readable only when not under OSCORE). */
  requestsTo(path: string): Transmission[] {
    return this.captured.filter((tx) => {
      try {
        const m = decode(tx.bytes);
        return m.code >= 1 && m.code <= 31 && uriPath(m.options) === path;
      } catch {
        return false;
      }
    });
  }

  /** Overheard OSCORE-protected requests (outer POST/FETCH with the OSCORE option). */
  protectedRequests(): Transmission[] {
    return this.captured.filter((tx) => {
      try {
        const m = decode(tx.bytes);
        return (m.code === 2 || m.code === 5) && m.options.some((o) => o.number === 9);
      } catch {
        return false;
      }
    });
  }

  /** The access token inside an overheard /authz-info POST. */
  static tokenOf(tx: Transmission): Uint8Array | null {
    try {
      const body = portableCbor.decode(decode(tx.bytes).payload);
      const t = body instanceof CborMap ? body.get(AceParam.AccessToken) : undefined;
      return t instanceof Uint8Array ? t : null;
    } catch {
      return null;
    }
  }

  /** The same datagram with another message ID (so no deduplication answers it from cache). */
  static withMessageId(bytes: Uint8Array, mid: number): Uint8Array {
    const out = bytes.slice();
    out[2] = (mid >> 8) & 255;
    out[3] = mid & 255;
    return out;
  }

  /** Sends raw bytes; resolves with the first answer carrying the same message ID, or null. */
  raw(to: Addr, bytes: Uint8Array, timeoutMs = 10000): Promise<Uint8Array | null> {
    const mid = peekHeader(bytes)?.messageId ?? -1;
    return new Promise((resolve) => {
      const onMessage = (msg: Buffer) => {
        const h = peekHeader(msg);
        if (h !== null && h.messageId === mid && h.type === 2) finish(new Uint8Array(msg));
      };
      const timer = setTimeout(() => finish(null), timeoutMs);
      const finish = (v: Uint8Array | null) => {
        clearTimeout(timer);
        this.socket.removeListener('message', onMessage);
        resolve(v);
      };
      this.socket.on('message', onMessage);
      this.w.sim.network.send(this.addr, to, bytes);
    });
  }

  /** Posts a token to /authz-info as anyone may. */
  postToken(to: Addr, token: Uint8Array, nonce1 = this.prng.bytes(8), id1 = this.prng.bytes(1)): Promise<AuthzInfoReply> {
    return postAuthzInfo({ host: to.address, port: to.port, token, agent: this.agent, timeoutMs: 60000 }, nonce1, id1);
  }
}
