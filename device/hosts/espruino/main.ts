/**
 * The Espruino entry (portable subset; bundled by tools/espruino-build.ts to
 * dist/espruino/ace-device.js). On load it reads the keystore from flash, assembles the
 * Device behind a CoAP Endpoint, serves it on UDP (`require("dgram")`) and ticks its timers.
 *
 *   flash file "ace-keystore"   the keystore.cbor that `ace-provision device` writes, stored
 *                               as is: require("Storage").write("ace-keystore", atob("<base64>"))
 *   flash files "s.*"           tokens, audit log, OSCORE sequence records (storage.ts)
 *
 * BLE: a GATT characteristic's write handler calls AceDevice.handleDatagram(bytes, "ble:<id>")
 * and AceDevice.setBleSender(function (bytes, peer) {...}) carries answers back; peers that
 * start with "ble:" go there, others to UDP.
 */
import { portableCbor } from '../../codec/cbor.ts';
import { Endpoint } from '../../coap/endpoint.ts';
import type { Transport } from '../../coap/interfaces.ts';
import { espruinoProvider } from '../../crypto/espruino/provider.ts';
import type { EspruinoCrypto } from '../../crypto/espruino/provider.ts';
import type { CryptoProvider } from '../../crypto/provider.ts';
import type { Clock } from '../../storage.ts';
import { Device } from '../../runtime/device.ts';
import { openKeystore, parseKeystore } from '../../runtime/keystore.ts';
import { EspruinoStorage, KEYSTORE_FILE, stringToBytes } from './storage.ts';
import type { EspruinoStorageModule } from './storage.ts';
import { DgramTransport } from './udp.ts';
import type { DgramModule } from './udp.ts';

/** Espruino's globals this file uses. */
declare const require: (name: string) => unknown;
declare const getTime: () => number;
declare const E: { hwRand(): number; on(event: string, f: () => void): void } | undefined;

const COAP_PORT = 5683;
const TICK_MS = 250;
const BLE_PREFIX = 'ble:';

/** Milliseconds from getTime() (seconds, a float), never going back. */
function makeClock(hasClock: boolean): Clock {
  let last = 0;
  return {
    nowSeconds: function (): number | null { return hasClock ? getTime() : null; },
    monotonicMs: function (): number {
      const now = getTime() * 1000;
      if (now > last) last = now;
      return last;
    },
  };
}

/** CSPRNG bytes from the hardware generator (E.hwRand: 32 random bits a call). */
function hwRandomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let word = 0;
  for (let i = 0; i < length; i++) {
    if (i % 4 === 0) word = E ? E.hwRand() : 0;
    out[i] = (word >>> (8 * (i % 4))) & 0xff;
  }
  return out;
}

type BleSender = (bytes: Uint8Array, peer: string) => void;

interface Running {
  device: Device;
  endpoint: Endpoint;
  udp: DgramTransport;
  timer: unknown;
}

/** A native module; the name goes through a variable so the bundler leaves the call alone. */
function native(name: string): unknown {
  return require(name);
}

let running: Running | null = null;
let bleSender: BleSender | null = null;

function log(message: string): void {
  console.log('ace-device: ' + message);
}

/** One received datagram, from UDP or a BLE characteristic; never throws. */
function handleDatagram(bytes: Uint8Array, peer: string): void {
  if (running === null) return;
  try {
    running.endpoint.receive(bytes, peer);
  } catch (e) {
    log('dropped a datagram: ' + (e && (e as { message?: string }).message));
  }
}

function setBleSender(f: BleSender): void {
  bleSender = f;
}

function readKeystoreFile(flash: EspruinoStorageModule, provider: CryptoProvider) {
  const file = flash.read(KEYSTORE_FILE);
  if (file === undefined || file === null || file.length === 0) return null;
  return parseKeystore(openKeystore(stringToBytes(file), function (d: Uint8Array): Uint8Array { return provider.sha256(d); }));
}

/** Reads the keystore and serves the device; false (and a log line) when there is none. */
function start(port?: number): boolean {
  if (running !== null) return true;
  const provider = espruinoProvider(native('crypto') as EspruinoCrypto, hwRandomBytes);
  const flash = native('Storage') as EspruinoStorageModule;
  const keystore = readKeystoreFile(flash, provider);
  if (keystore === null) {
    log('no keystore: write it with require("Storage").write("' + KEYSTORE_FILE + '", atob("..."))');
    return false;
  }
  const clock = makeClock(keystore.hasClock);
  const device = new Device(keystore, {
    provider: provider, codec: portableCbor, storage: new EspruinoStorage(flash), clock: clock,
    // rotation verifies signed updates, which this provider cannot: the keystore's AS keys stay
    anchorRotation: null,
  }, {});
  const state: { endpoint: Endpoint | null } = { endpoint: null };
  const udp = new DgramTransport(native('dgram') as DgramModule, port || COAP_PORT, clock.monotonicMs, handleDatagram);
  const transport: Transport = {
    send: function (datagram: Uint8Array, peer: string): void {
      if (peer.indexOf(BLE_PREFIX) === 0) {
        if (bleSender) bleSender(datagram, peer);
      } else udp.send(datagram, peer);
    },
    now: clock.monotonicMs,
  };
  const endpoint = new Endpoint(device.handler, transport, { randomBytes: function (n: number): Uint8Array { return provider.randomBytes(n); } });
  state.endpoint = endpoint;
  device.attach(endpoint);
  const timer = setInterval(function (): void {
    try {
      device.tick();
      endpoint.poll();
    } catch (e) {
      log('tick: ' + (e && (e as { message?: string }).message));
    }
  }, TICK_MS);
  running = { device: device, endpoint: endpoint, udp: udp, timer: timer };
  const notes = device.bootNotes;
  for (let i = 0; i < notes.length; i++) log(notes[i]);
  log(keystore.kind + ' ' + keystore.id + ' on UDP port ' + (port || COAP_PORT));
  return true;
}

function stop(): void {
  if (running === null) return;
  const r = running;
  running = null;
  clearInterval(r.timer as number);
  try {
    r.device.flush();
  } catch (e) {
    log('flush failed');
  }
  try {
    r.udp.close();
  } catch (e) {
    // a socket the interpreter already closed (after save() and a reboot)
  }
}

/** The global the REPL, a BLE handler or a test reaches the device through. */
const api = {
  start: start,
  stop: stop,
  handleDatagram: handleDatagram,
  setBleSender: setBleSender,
  device: function (): Device | null { return running ? running.device : null; },
};
(new Function('return this')() as { AceDevice: unknown }).AceDevice = api;

if (typeof E !== 'undefined' && E) {
  // save(), reset() and load() fire 'kill' first: flush and close, so a saved RAM image holds
  // no dead socket. 'init' follows a boot from that image (start again) and a boot from
  // .bootcde, where the load below has started already (start() is then a no-op).
  E.on('kill', stop);
  E.on('init', function (): void { start(); });
}
start();
