/**
 * A datagram socket on the simulated network, shaped as node-coap uses node:dgram (its Agent
 * takes one as `socket`): send(buf, offset, length, port, address, cb), 'message' events with
 * (msg, rinfo), address(). The phone library runs on it unchanged.
 */
import { EventEmitter } from 'node:events';
import type { Addr, Network, Receiver } from './network.ts';

type SendCallback = (error: Error | null, bytes: number) => void;

export class SimSocket extends EventEmitter implements Receiver {
  readonly type = 'udp4';
  readonly wakesPromises = true;
  private closed = false;

  constructor(private readonly network: Network, readonly local: Addr) {
    super();
    network.listen(local, this);
  }

  address(): { address: string; family: string; port: number } {
    return { address: this.local.address, family: 'IPv4', port: this.local.port };
  }

  send(buf: Uint8Array, offset: number, length: number, port: number, address: string, cb?: SendCallback): void {
    if (!this.closed) this.network.send(this.local, { address, port }, buf.subarray(offset, offset + length));
    // node:dgram calls back after the datagram left; never synchronously
    if (cb) queueMicrotask(() => cb(null, length));
  }

  receive(datagram: Uint8Array, from: Addr): void {
    if (this.closed) return;
    this.emit('message', Buffer.from(datagram), { address: from.address, family: 'IPv4', port: from.port, size: datagram.length });
  }

  bind(): this {
    return this;
  }

  close(cb?: () => void): void {
    this.closed = true;
    this.network.unlisten(this.local);
    if (cb) queueMicrotask(cb);
    this.emit('close');
  }
}
