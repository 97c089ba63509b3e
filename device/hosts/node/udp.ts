/**
 * The Node host of the CoAP endpoint: binds the portable Endpoint to a node:dgram socket.
 * Peers are "address:port" (IPv4) or "[address]:port" (IPv6). One timer, armed to the
 * endpoint's next deadline, drives poll(); time is performance.now() (monotonic).
 * Nothing a datagram holds can crash it: the endpoint never throws on input, and the
 * socket's own errors go to `onError`.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Endpoint } from '../../coap/endpoint.ts';
import type { EndpointOptions } from '../../coap/endpoint.ts';
import type { RequestHandler, Transport } from '../../coap/interfaces.ts';

export interface UdpServerOptions extends Partial<EndpointOptions> {
  /** Address to bind; an IPv6 address (with ':') makes a udp6 socket. Default '0.0.0.0'. */
  host?: string;
  /** Port to bind; 0 picks a free one. Default 5683 (RFC 7252 §6.1). */
  port?: number;
  /** Socket errors after binding (the server keeps running). Default: ignored. */
  onError?: (error: Error) => void;
}

export const DEFAULT_COAP_PORT = 5683;

/** "[::1]:5683" or "127.0.0.1:5683". */
export function peerOf(address: string, port: number): string {
  return address.indexOf(':') >= 0 ? '[' + address + ']:' + port : address + ':' + port;
}

/** The address and port of a peer string; null when it is not one. */
export function parsePeer(peer: string): { address: string; port: number } | null {
  const colon = peer.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = Number(peer.slice(colon + 1));
  if (!(port > 0 && port < 65536) || port % 1 !== 0) return null;
  let address = peer.slice(0, colon);
  if (address.charAt(0) === '[') {
    if (address.charAt(address.length - 1) !== ']') return null;
    address = address.slice(1, -1);
  }
  return { address: address, port: port };
}

export class UdpServer implements Transport {
  readonly endpoint: Endpoint;
  private readonly socket: dgram.Socket;
  private readonly onError: (error: Error) => void;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private armedAt = Infinity;
  private closed = false;
  // the last peer parsed for send: replies usually go to the peer that just spoke
  private lastPeer = '';
  private lastAddress = '';
  private lastPort = 0;

  private constructor(handler: RequestHandler, socket: dgram.Socket, options: UdpServerOptions) {
    this.socket = socket;
    this.onError = options.onError || function () {};
    const endpointOptions: EndpointOptions = {
      randomBytes: options.randomBytes || nodeRandomBytes,
      dedupCapacity: options.dedupCapacity,
      maxExchanges: options.maxExchanges,
      understood: options.understood,
      lateResponseMs: options.lateResponseMs,
      ackTimeoutMs: options.ackTimeoutMs,
      maxRetransmit: options.maxRetransmit,
    };
    this.endpoint = new Endpoint(handler, this, endpointOptions);
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => this.onMessage(msg, rinfo));
    socket.on('error', (e: Error) => this.onError(e));
  }

  /** Binds a socket and serves `handler` on it. */
  static listen(handler: RequestHandler, options?: UdpServerOptions): Promise<UdpServer> {
    const o = options || {};
    const host = o.host !== undefined ? o.host : '0.0.0.0';
    const socket = dgram.createSocket({ type: host.indexOf(':') >= 0 ? 'udp6' : 'udp4' });
    const server = new UdpServer(handler, socket, o);
    return new Promise((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      socket.once('error', failed);
      socket.bind(o.port !== undefined ? o.port : DEFAULT_COAP_PORT, host, () => {
        socket.removeListener('error', failed);
        resolve(server);
      });
    });
  }

  address(): AddressInfo {
    return this.socket.address();
  }

  // ---------------------------------------------------------------- Transport

  now(): number {
    return performance.now();
  }

  send(datagram: Uint8Array, peer: string): void {
    if (this.closed) return;
    if (peer !== this.lastPeer) {
      const p = parsePeer(peer);
      if (p === null) return;
      this.lastPeer = peer;
      this.lastAddress = p.address;
      this.lastPort = p.port;
    }
    try {
      this.socket.send(datagram, this.lastPort, this.lastAddress);
    } catch (e) {
      this.onError(e as Error);
    }
    // a send may follow a new retransmission deadline (late responses, notifications)
    if (this.endpoint !== undefined && this.endpoint.nextDeadline() !== this.armedAt) this.arm();
  }

  // ---------------------------------------------------------------- driving the endpoint

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    try {
      // a plain Uint8Array view: the codec's subarrays of it are much cheaper than Buffer's
      this.endpoint.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), peerOf(rinfo.address, rinfo.port));
    } catch (e) {
      this.onError(e as Error); // the endpoint does not throw; a handler bug must not stop the server
    }
    if (this.endpoint.nextDeadline() !== this.armedAt) this.arm();
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const at = this.endpoint.nextDeadline();
    this.armedAt = at;
    if (at === Infinity || this.closed) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(at - performance.now())));
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Infinity;
    try {
      this.endpoint.poll();
    } catch (e) {
      this.onError(e as Error);
    }
    this.arm();
  }

  /** Stops the timer and closes the socket; resolves once it is closed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
