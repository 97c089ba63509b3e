/**
 * A BLE<->UDP bridge (a home hub): it holds the BLE connections to nearby devices and relays
 * CoAP datagrams between them and the IP network, unchanged — a datagram relay, not a CoAP
 * proxy, so OSCORE runs end to end between the phone and the device. Each device is reachable
 * at one of the hub's UDP ports; each remote peer of a device gets its own hub-side port, so
 * the device sees distinct peers and answers find their way back (as a NAT does).
 */
import type { Sim } from '../core/sim.ts';
import type { Addr, Receiver } from './network.ts';
import { addrText } from './network.ts';

/** Relays datagrams arriving at one address to another. */
class Relay implements Receiver {
  readonly wakesPromises = false;
  constructor(private readonly forward: (datagram: Uint8Array, from: Addr) => void) {}
  receive(datagram: Uint8Array, from: Addr): void {
    this.forward(datagram, from);
  }
}

const FIRST_DEVICE_PORT = 5700;
const FIRST_PEER_PORT = 20000;

export class Bridge {
  readonly addr: { address: string };
  private nextDevicePort = FIRST_DEVICE_PORT;
  private nextPeerPort = FIRST_PEER_PORT;
  /** "<remote peer>|<device>" -> the hub-side port towards the device. */
  private readonly outbound = new Map<string, number>();
  /** Relayed datagrams, per direction. */
  relayed = { toDevice: 0, toRemote: 0 };

  constructor(private readonly sim: Sim, readonly name: string, address: string) {
    this.addr = { address };
    sim.network.name(address, name);
  }

  /** Makes `device` reachable at a port of the hub; returns the address phones use. */
  expose(device: Addr): Addr {
    const front: Addr = { address: this.addr.address, port: this.nextDevicePort++ };
    this.sim.network.listen(front, new Relay((d, from) => this.toDevice(d, from, device, front)));
    return front;
  }

  private toDevice(datagram: Uint8Array, remote: Addr, device: Addr, front: Addr): void {
    const key = addrText(remote) + '|' + addrText(device);
    let port = this.outbound.get(key);
    if (port === undefined) {
      port = this.nextPeerPort++;
      this.outbound.set(key, port);
      // the device's answers to this port go back to the remote peer, from the front port
      this.sim.network.listen({ address: this.addr.address, port }, new Relay((d) => {
        this.relayed.toRemote++;
        this.sim.network.send(front, remote, d);
      }));
    }
    this.relayed.toDevice++;
    this.sim.network.send({ address: this.addr.address, port }, device, datagram);
  }
}
