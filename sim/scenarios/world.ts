/**
 * A simulated deployment, built the way a real one is: the AS is initialised and devices are
 * provisioned with the provisioning code (provisioning/as-file.ts, device.ts), each device's
 * registration record reaches the AS through its file format, and the keystore is what the
 * device boots from. Phones, machines and attackers join the network; links join them.
 */
import { Alg } from '../../device/crypto/provider.ts';
import type { DeviceTuning } from '../../device/runtime/device.ts';
import { anchorsOf, newAsFile, signingKeyOf } from '../../provisioning/as-file.ts';
import type { AnchorsFile, AsFile } from '../../provisioning/as-file.ts';
import { provisionDevice } from '../../provisioning/device.ts';
import { defaultScopes } from '../../provisioning/scopes.ts';
import type { DeviceRecord } from '../../provisioning/record.ts';
import { Sim } from '../core/sim.ts';
import type { SimOptions } from '../core/sim.ts';
import { SimDevice } from '../device/host.ts';
import { AuthorizationServer, AS_PORT } from '../as/server.ts';
import type { AccessRule } from '../as/policy.ts';
import { throughRecordFile } from '../as/registry.ts';
import { Phone } from '../phone/phone.ts';
import { Bridge } from '../links/bridge.ts';
import type { UdpLinkParams } from '../links/udp.ts';
import type { BleLinkParams } from '../links/ble.ts';
import type { Link } from '../links/network.ts';

export const APP_CLIENT = 'ace-app';
export const APP_REDIRECT = 'com.example.ace:/oauth2redirect';
const AS_NET = 255;
const DEVICE_NET = 1;
const PHONE_NET = 2;
const OTHER_NET = 3;

/** The AS's uplinks and a device's uplink: wired or Wi-Fi, short and fairly clean. */
const BACKBONE: Partial<UdpLinkParams> = { delayMs: 15, jitterMs: 5 };
/** A phone's route to the AS over the internet (cellular). */
const CELLULAR: Partial<UdpLinkParams> = { delayMs: 40, jitterMs: 20 };

export interface DeviceSpec {
  kind: 'lock' | 'sensor';
  mode: 'connected' | 'disconnected';
  hasClock: boolean;
  tuning?: DeviceTuning;
  tickMs?: number;
}

export interface WorldOptions extends SimOptions {
  rules?: AccessRule[];
  /** Route every phone to the AS with this link (default CELLULAR). */
  asLink?: Partial<UdpLinkParams>;
}

export class World {
  readonly sim: Sim;
  readonly as: AuthorizationServer;
  readonly asFile: AsFile;
  readonly anchors: AnchorsFile;
  readonly devices = new Map<string, SimDevice>();
  readonly records = new Map<string, DeviceRecord>();
  readonly phones = new Map<string, Phone>();

  constructor(readonly options: WorldOptions) {
    this.sim = new Sim(options);
    const sim = this.sim;
    const address = sim.address(AS_NET);
    const provider = sim.provider('provisioning');
    const now = sim.wallSeconds();
    this.asFile = newAsFile('EdDSA', 'coap://' + address, provider, now - 86400);
    this.anchors = anchorsOf(this.asFile);
    const signing = signingKeyOf(this.asFile, now, null).key;
    this.as = new AuthorizationServer(sim, {
      name: 'AS', address, issuer: this.asFile.uri, rules: options.rules ?? [],
      keys: { signing, signingAlg: signing.alg ?? Alg.EdDSA },
    });
    this.as.directory.addClient({ id: APP_CLIENT, type: 'public', redirectUris: [APP_REDIRECT] });
  }

  get asAddr(): { address: string; port: number } {
    return this.as.addr;
  }

  /** Provisions a device, registers its record at the AS, boots it. */
  addDevice(name: string, spec: DeviceSpec): SimDevice {
    const provider = this.sim.provider('provisioning');
    const p = provisionDevice({
      id: name, kind: spec.kind, mode: spec.mode, hasClock: spec.hasClock, curve: 'X25519', audience: name,
      scopes: defaultScopes(spec.kind),
    }, this.anchors, provider, this.sim.wallSeconds());
    const record = throughRecordFile(p.record, provider);
    this.as.register(record);
    this.records.set(name, record);
    const device = new SimDevice(this.sim, {
      name, keystore: p.keystore, address: this.sim.address(DEVICE_NET), tuning: spec.tuning, tickMs: spec.tickMs,
    });
    this.devices.set(name, device);
    if (spec.mode === 'connected') this.sim.udp(name + '~AS', device.addr.address, this.as.addr.address, BACKBONE);
    return device;
  }

  /** A phone with the app, logged in as `user`, with its route to the AS. */
  addPhone(name: string, user: string, password: string, asLink?: Partial<UdpLinkParams>): Phone {
    const phone = new Phone(this.sim, {
      name, address: this.sim.address(PHONE_NET), as: { address: this.as.addr.address, port: AS_PORT },
      clientId: APP_CLIENT, redirectUri: APP_REDIRECT, user, password,
    });
    this.sim.udp(name + '~AS', phone.addr.address, this.as.addr.address, asLink ?? this.options.asLink ?? CELLULAR);
    this.phones.set(name, phone);
    return phone;
  }

  /** A machine client (client credentials) with its route to the AS. */
  addMachine(name: string, clientId: string): Phone {
    const m = new Phone(this.sim, {
      name, address: this.sim.address(OTHER_NET), as: { address: this.as.addr.address, port: AS_PORT },
      clientId, redirectUri: '', user: '', password: '',
    });
    this.sim.udp(name + '~AS', m.addr.address, this.as.addr.address, BACKBONE);
    return m;
  }

  /** A BLE<->UDP hub. */
  addBridge(name: string): Bridge {
    return new Bridge(this.sim, name, this.sim.address(OTHER_NET));
  }

  /** Another node's address (an attacker's, a bridge's). */
  otherAddress(): string {
    return this.sim.address(OTHER_NET);
  }

  wifi(a: { addr: { address: string } }, b: { addr: { address: string } }, params: Partial<UdpLinkParams> = {}, name?: string): Link {
    return this.sim.udp(name ?? this.linkName(a.addr.address, b.addr.address), a.addr.address, b.addr.address, params);
  }

  ble(central: { addr: { address: string } }, peripheral: { addr: { address: string } }, params: Partial<BleLinkParams> = {}, name?: string): Link {
    return this.sim.ble(name ?? this.linkName(central.addr.address, peripheral.addr.address), central.addr.address, peripheral.addr.address, params);
  }

  private linkName(a: string, b: string): string {
    return this.sim.network.nameOf(a) + '~' + this.sim.network.nameOf(b);
  }
}
