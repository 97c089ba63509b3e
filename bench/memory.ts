/**
 * Table 4: memory per stored token in the device runtime. A separate process (started by
 * bench/run.ts with `node --expose-gc --import tsx`, so its heap holds nothing else): builds a
 * Device (device/runtime/device.ts, a lock, MemoryStorage), posts 8 tokens to its resource
 * server (the store's default capacity), and takes the heap growth after a full GC. The request
 * bodies are built before the baseline, so only what the device keeps is counted. Also: the
 * bytes the device persists per token, and the heap of a bare OSCORE context for comparison.
 * Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { CborMap, portableCbor } from '../device/codec/cbor.ts';
import type { CborCodec } from '../device/codec/cbor.ts';
import { cborX } from '../device/hosts/node/cbor-x.ts';
import type { Storage } from '../device/storage.ts';
import { Device } from '../device/runtime/device.ts';
import { anchorRotation } from '../device/ace/anchors.ts';
import { AceParam } from '../device/ace/numbers.ts';
import { SecurityContext } from '../device/oscore/context.ts';
import { MemoryStorage } from '../device/storage.ts';
import { nodeProvider } from '../device/crypto/node/provider.ts';
import { Alg } from '../device/crypto/provider.ts';
import { median } from './stats.ts';
import { makeWorld, mintSigned } from './world.ts';
import { contextInputs } from './oscore-ops.ts';

const TOKENS = 8;
const REPEATS = Number(process.env.BENCH_MEMORY_REPEATS ?? 5);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('bench/memory.ts needs node --expose-gc\n');
  process.exit(2);
}

/** Bytes of JS objects after a full GC: every heap space but compiled code. */
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc!();
  let n = 0;
  for (const s of getHeapSpaceStatistics()) if (s.space_name !== 'code_space' && s.space_name !== 'code_large_object_space') n += s.space_used_size;
  return n;
}

/** A MemoryStorage that knows how many bytes it holds. */
class CountingStorage implements Storage {
  private readonly inner = new MemoryStorage();
  private readonly sizes: { [key: string]: number } = {};

  read(key: string): Uint8Array | null {
    return this.inner.read(key);
  }

  write(key: string, value: Uint8Array): void {
    this.inner.write(key, value);
    this.sizes[key] = value.length;
  }

  remove(key: string): void {
    this.inner.remove(key);
    delete this.sizes[key];
  }

  bytes(prefix?: string): number {
    let n = 0;
    for (const k of Object.keys(this.sizes)) if (prefix === undefined || k.startsWith(prefix)) n += this.sizes[k];
    return n;
  }

  keys(): string[] {
    return Object.keys(this.sizes);
  }
}

function body(token: Uint8Array, i: number, codec: CborCodec): Uint8Array {
  const m = new CborMap();
  m.set(AceParam.AccessToken, token);
  m.set(AceParam.Nonce1, new Uint8Array([9, 8, 7, 6, 5, 4, 3, i]));
  m.set(AceParam.AceClientRecipientId, new Uint8Array([i]));
  return codec.encode(m);
}

const clock = { nowSeconds: () => Date.now() / 1000, monotonicMs: () => performance.now() };

interface DeviceSample {
  heapPerToken: number;
  /** Bytes the device holds in storage with 1 and with 8 tokens: token store + OSCORE sequence records (audit apart). */
  storageBytes1: number;
  storageBytes8: number;
  auditBytes8: number;
}

/** Devices per sample: the heap growth of DEVICES × 7 tokens is well above the GC's noise. */
const DEVICES = 24;

function deviceSample(codec: CborCodec): DeviceSample {
  const world = makeWorld('EdDSA');
  const provider = nodeProvider();
  const devices: { device: Device; storage: CountingStorage; bodies: Uint8Array[] }[] = [];
  for (let d = 0; d < DEVICES; d++) {
    const bodies: Uint8Array[] = [];
    for (let i = 0; i < TOKENS; i++) bodies.push(body(mintSigned(world, i % 2 ? 'lock:open' : 'lock:read alarm:read').token, i, codec));
    const storage = new CountingStorage();
    const device = new Device(world.keystore, { provider, codec, storage, clock, anchorRotation }, {});
    // the first token is the baseline: lazily built tables and JIT feedback are not per-token
    device.rs.postToken(bodies[0], '127.0.0.1:1000');
    devices.push({ device, storage, bodies });
  }
  const tokenBytes = (s: CountingStorage) => s.bytes() - s.bytes('ace-audit');
  const storage1 = median(devices.map((d) => tokenBytes(d.storage)));
  const before = heapAfterGc();
  for (const d of devices) for (let i = 1; i < TOKENS; i++) d.device.rs.postToken(d.bodies[i], '127.0.0.1:' + (1000 + i));
  const after = heapAfterGc();
  for (const d of devices) if (d.device.rs.contexts.size !== TOKENS) throw new Error('expected ' + TOKENS + ' contexts');
  return { heapPerToken: (after - before) / (DEVICES * (TOKENS - 1)), storageBytes1: storage1, storageBytes8: median(devices.map((d) => tokenBytes(d.storage))),
    auditBytes8: median(devices.map((d) => d.storage.bytes('ace-audit'))) };
}

function contextSample(): number {
  const input = contextInputs(Alg.AES_CCM_16_64_128).server;
  const provider = nodeProvider();
  const storage = new MemoryStorage();
  const keep: SecurityContext[] = [];
  keep.push(new SecurityContext(provider, input, { storage, storageKey: 'warm' }));
  const n = 512;
  const before = heapAfterGc();
  for (let i = 0; i < n; i++) keep.push(new SecurityContext(provider, input, { storage, storageKey: 'k' + i }));
  const after = heapAfterGc();
  if (keep.length !== n + 1) throw new Error('unreachable');
  return (after - before) / n;
}

function main(): void {
  const out: { [k: string]: unknown } = {};
  for (const codec of [portableCbor, cborX]) {
    const samples: DeviceSample[] = [];
    for (let r = 0; r < REPEATS; r++) samples.push(deviceSample(codec));
    const per = samples.map((s) => s.heapPerToken);
    out[codec.name] = {
      heapPerToken: median(per), heapPerTokenMin: Math.min(...per), heapPerTokenMax: Math.max(...per),
      storageBytes1: median(samples.map((s) => s.storageBytes1)),
      storageBytes8: median(samples.map((s) => s.storageBytes8)),
      auditBytes8: median(samples.map((s) => s.auditBytes8)),
    };
  }
  const ctx: number[] = [];
  for (let r = 0; r < REPEATS; r++) ctx.push(contextSample());
  out.oscoreContext = { heap: median(ctx), min: Math.min(...ctx), max: Math.max(...ctx) };
  out.repeats = REPEATS;
  out.tokens = TOKENS;
  process.stdout.write(JSON.stringify(out) + '\n');
}

main();
