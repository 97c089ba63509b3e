/**
 * The Node host of a device: reads its keystore, keeps its state in a directory, serves it on
 * UDP, ticks its timers, and flushes on close.
 *
 *   DIR/keystore.cbor   what the factory flashed (ace-provision device), read-only here
 *   DIR/state/          tokens, audit log, OSCORE sequence records (atomic file writes)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CborCodec } from '../../codec/cbor.ts';
import type { CryptoProvider } from '../../crypto/provider.ts';
import type { Clock, Storage } from '../../storage.ts';
import { CoreError } from '../../errors.ts';
import { Device } from '../../runtime/device.ts';
import { anchorRotation } from '../../ace/anchors.ts';
import type { DeviceTuning } from '../../runtime/device.ts';
import type { DeviceKeystore } from '../../runtime/keystore.ts';
import { openKeystore, parseKeystore } from '../../runtime/keystore.ts';
import { nodeProvider } from '../../crypto/node/provider.ts';
import { portableCbor } from '../../codec/cbor.ts';
import { FileStorage } from './file-storage.ts';
import { UdpServer } from './udp.ts';

export const KEYSTORE_FILE = 'keystore.cbor';
export const STATE_DIR = 'state';

/** Wall time when the device has a clock; the monotonic clock always. */
export function nodeClock(hasClock: boolean): Clock {
  return {
    nowSeconds: hasClock ? () => Date.now() / 1000 : () => null,
    monotonicMs: () => performance.now(),
  };
}

/** Reads and checks DIR/keystore.cbor; a clear CoreError for a missing, corrupted or wrong file. */
export function readKeystore(dir: string, provider: CryptoProvider): DeviceKeystore {
  let file: Uint8Array;
  try {
    file = new Uint8Array(readFileSync(join(dir, KEYSTORE_FILE)));
  } catch {
    throw new CoreError('bad_request', 'no keystore at ' + join(dir, KEYSTORE_FILE));
  }
  return parseKeystore(openKeystore(file, (d) => provider.sha256(d)));
}

export interface DeviceHostOptions {
  keystore: DeviceKeystore;
  storage: Storage;
  host?: string;
  port?: number;
  provider?: CryptoProvider;
  codec?: CborCodec;
  tuning?: DeviceTuning;
  /** Milliseconds between device ticks. Default 250. */
  tickMs?: number;
  onError?: (e: Error) => void;
}

export class DeviceHost {
  private readonly timer: ReturnType<typeof setInterval>;

  private constructor(readonly device: Device, readonly server: UdpServer, tickMs: number) {
    this.timer = setInterval(() => device.tick(), tickMs);
  }

  static async start(o: DeviceHostOptions): Promise<DeviceHost> {
    const provider = o.provider ?? nodeProvider();
    const device = new Device(o.keystore, {
      provider,
      // The portable codec: as fast as cbor-x for the device's small messages (npm run bench), and the one Espruino runs.
      codec: o.codec ?? portableCbor,
      storage: o.storage,
      clock: nodeClock(o.keystore.hasClock),
      anchorRotation,
    }, o.tuning ?? {});
    const server = await UdpServer.listen(device.handler, {
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 5683,
      randomBytes: (n: number) => provider.randomBytes(n),
      onError: o.onError,
    });
    device.attach(server.endpoint);
    return new DeviceHost(device, server, o.tickMs ?? 250);
  }

  /** Starts the device provisioned in DIR. */
  static fromDirectory(dir: string, o: Omit<DeviceHostOptions, 'keystore' | 'storage'>): Promise<DeviceHost> {
    const provider = o.provider ?? nodeProvider();
    return DeviceHost.start({ ...o, provider, keystore: readKeystore(dir, provider), storage: new FileStorage(join(dir, STATE_DIR)) });
  }

  get port(): number {
    return this.server.address().port;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.device.flush();
    await this.server.close();
  }
}
