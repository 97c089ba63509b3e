/**
 * The simulator's device host: the real device runtime (device/runtime/device.ts) behind the
 * real CoAP Endpoint, whose Transport is the simulated network and whose clock is virtual.
 * It does for the simulation what device/hosts/node/ does for a socket: deliver datagrams,
 * call poll() at the endpoint's deadlines, tick the device's own timers.
 *
 * reboot() is a power cycle: everything in RAM is gone (replay windows, nonces, pending
 * exchanges) and the device is rebuilt from the same keystore and the same Storage.
 */
import type { CborCodec } from '../../device/codec/cbor.ts';
import { Endpoint } from '../../device/coap/endpoint.ts';
import type { Transport } from '../../device/coap/interfaces.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { Device } from '../../device/runtime/device.ts';
import { anchorRotation } from '../../device/ace/anchors.ts';
import type { DeviceTuning } from '../../device/runtime/device.ts';
import type { DeviceKeystore } from '../../device/runtime/keystore.ts';
import { MemoryStorage } from '../../device/storage.ts';
import { cborX } from '../../device/hosts/node/cbor-x.ts';
import type { SimEvent } from '../core/scheduler.ts';
import type { Sim } from '../core/sim.ts';
import { EndpointTimer } from '../core/endpoint-timer.ts';
import type { Addr, Receiver } from '../links/network.ts';
import { addrText, parseAddr } from '../links/network.ts';

export const COAP_PORT = 5683;

export interface SimDeviceOptions {
  name: string;
  keystore: DeviceKeystore;
  address: string;
  tuning?: DeviceTuning;
  /** Milliseconds between device ticks (relock, readings, token expiry). Default 1000. */
  tickMs?: number;
  /** Endpoint limits (a fleet device keeps the defaults a board would). */
  dedupCapacity?: number;
  maxExchanges?: number;
  codec?: CborCodec;
}

export class SimDevice implements Receiver, Transport {
  readonly wakesPromises = false;
  readonly name: string;
  readonly addr: Addr;
  /** Survives reboots: tokens, audit log, OSCORE sequence records. */
  readonly storage = new MemoryStorage();
  readonly provider: CryptoProvider;
  device!: Device;
  endpoint!: Endpoint;
  boots = 0;
  private readonly timer: EndpointTimer;
  private ticker: SimEvent | null = null;
  private readonly tickMs: number;
  private readonly codec: CborCodec;
  private powered = false;

  constructor(private readonly sim: Sim, readonly options: SimDeviceOptions) {
    this.timer = new EndpointTimer(sim, () => this.endpoint);
    this.name = options.name;
    this.addr = { address: options.address, port: COAP_PORT };
    this.provider = sim.provider('device/' + options.name);
    this.tickMs = options.tickMs ?? 1000;
    this.codec = options.codec ?? cborX;
    sim.network.name(options.address, options.name);
    this.boot();
  }

  get keystore(): DeviceKeystore {
    return this.options.keystore;
  }

  /** Power on: build the runtime from the keystore and the storage. */
  boot(): void {
    const o = this.options;
    const tuning: DeviceTuning = { seed: this.sim.prng.fork('vitals/' + o.name).u32() || 1, ...o.tuning };
    this.device = new Device(o.keystore, {
      provider: this.provider, codec: this.codec, storage: this.storage, clock: this.sim.clock(o.keystore.hasClock), anchorRotation,
    }, tuning);
    this.endpoint = new Endpoint(this.device.handler, this, {
      randomBytes: (n: number) => this.provider.randomBytes(n),
      dedupCapacity: o.dedupCapacity, maxExchanges: o.maxExchanges,
    });
    this.device.attach(this.endpoint);
    this.powered = true;
    this.boots++;
    this.sim.network.listen(this.addr, this);
    this.ticker = this.sim.scheduler.after(this.tickMs, () => this.tick(), false);
    if (this.boots > 1) this.sim.trace.note(this.sim.now(), this.addr.address, 'reboot #' + (this.boots - 1));
  }

  /** A power cycle: RAM lost, storage kept. */
  reboot(): void {
    this.powerOff();
    this.boot();
  }

  powerOff(): void {
    this.powered = false;
    this.sim.network.unlisten(this.addr);
    this.timer.cancel();
    this.sim.scheduler.cancel(this.ticker);
  }

  // ---------------------------------------------------------------- Receiver / Transport

  receive(datagram: Uint8Array, from: Addr): void {
    if (!this.powered) return;
    this.endpoint.receive(datagram, addrText(from));
    this.arm();
  }

  send(datagram: Uint8Array, peer: string): void {
    const to = parseAddr(peer);
    if (to === null || !this.powered) return;
    this.sim.network.send(this.addr, to, datagram);
    if (this.endpoint !== undefined) this.arm();
  }

  now(): number {
    return this.sim.now();
  }

  // ---------------------------------------------------------------- timers

  private arm(): void {
    this.timer.arm();
  }


  private tick(): void {
    this.ticker = this.sim.scheduler.after(this.tickMs, () => this.tick(), false);
    this.device.tick();
    this.arm(); // a reading may have sent notifications
  }
}
