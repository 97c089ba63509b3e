/**
 * A CoAP Transport on Espruino's `require("dgram")` (portable subset). Espruino hands a
 * received datagram over as a string (one char per byte) and sends strings, so bytes are
 * converted at this edge. Peers are "address:port" as on Node.
 */
import type { Transport } from '../../coap/interfaces.ts';
import { bytesToString, stringToBytes } from './storage.ts';

export interface DgramRinfo { address: string; port: number }
export interface DgramSocket {
  on(event: string, listener: (msg: unknown, rinfo: DgramRinfo) => void): unknown;
  bind(port: number, callback?: () => void): unknown;
  send(buffer: string, offset: number, length: number, port: number, address: string): unknown;
  close(): unknown;
}
export interface DgramModule { createSocket(type: string): DgramSocket }

/** A received message as bytes: a string on Espruino, an array-like (Buffer) in Node stand-ins. */
export function messageBytes(msg: unknown): Uint8Array {
  if (typeof msg === 'string') return stringToBytes(msg);
  return new Uint8Array(msg as ArrayLike<number>);
}

export function splitPeer(peer: string): DgramRinfo | null {
  const colon = peer.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = Number(peer.substring(colon + 1));
  if (!(port > 0 && port < 65536) || port % 1 !== 0) return null;
  return { address: peer.substring(0, colon), port: port };
}

export class DgramTransport implements Transport {
  private readonly socket: DgramSocket;

  constructor(dgram: DgramModule, port: number, private readonly clock: () => number,
    onDatagram: (bytes: Uint8Array, peer: string) => void) {
    const socket = dgram.createSocket('udp4');
    this.socket = socket;
    socket.on('message', function (msg: unknown, rinfo: DgramRinfo): void {
      onDatagram(messageBytes(msg), rinfo.address + ':' + rinfo.port);
    });
    socket.bind(port);
  }

  send(datagram: Uint8Array, peer: string): void {
    const p = splitPeer(peer);
    if (p === null) return;
    this.socket.send(bytesToString(datagram), 0, datagram.length, p.port, p.address);
  }

  now(): number {
    return this.clock();
  }

  close(): void {
    this.socket.close();
  }
}
