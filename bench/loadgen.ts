/**
 * The load generator: a separate process (forked by bench/udp-load.ts with `--import tsx`) that
 * keeps a bounded number of confirmable CoAP GETs in flight against a server on 127.0.0.1,
 * matches each piggybacked reply by token and Message ID, and measures its latency.
 *
 * Plain mode sends GET /lock. OSCORE mode sends the same GET protected with the project's
 * OSCORE code (device/oscore/protect.ts) under the client context it is given, one sequence
 * number per request. Requests are built before a round starts and OSCORE responses are
 * verified after it ends (device/oscore/unprotect.ts, every one), so the client's own crypto
 * does not share the measured time with the server's; a reply that does not verify counts as
 * a failure in the results.
 *
 * Protocol with the parent (IPC): parent -> {config}; for each round child -> {type:'ready'},
 * parent -> {type:'go'}, child -> {type:'round', result}; at the end child -> {type:'done'}
 * and exits. The child exits by itself on a hard deadline or when the parent goes away.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { fromHex } from '../device/codec/bytes.ts';
import { encodeParts, decode as decodeCoap } from '../device/coap/message.ts';
import { Type } from '../device/coap/numbers.ts';
import { Code } from '../device/errors.ts';
import { MemoryStorage } from '../device/storage.ts';
import { SecurityContext } from '../device/oscore/context.ts';
import { protectRequest } from '../device/oscore/protect.ts';
import type { RequestBinding } from '../device/oscore/protect.ts';
import { unprotectResponse } from '../device/oscore/unprotect.ts';
import { nodeProvider } from '../device/crypto/node/provider.ts';
import { GET_LOCK } from './oscore-ops.ts';

export interface ContextHex {
  masterSecret: string;
  masterSalt: string;
  senderId: string;
  recipientId: string;
  idContext: string | null;
  aeadAlg: number;
}

export interface LoadConfig {
  port: number;
  mode: 'plain' | 'oscore';
  /** Requests in flight at once. */
  inflight: number;
  warmup: number;
  requests: number;
  rounds: number;
  /** A request unanswered this long counts as lost (its slot is reused). */
  timeoutMs: number;
  /** A round stops after this long whatever it has done. */
  roundMaxMs: number;
  /** Hard deadline for the whole process. */
  deadlineMs: number;
  context?: ContextHex;
}

export interface RoundResult {
  requests: number;
  answered: number;
  lost: number;
  /** Replies with a wrong code, or (OSCORE) that did not verify. */
  failures: number;
  elapsedMs: number;
  rps: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time of this process during the round, ms (user + system). */
  cpuMs: number;
  firstFailure?: string;
}

const GET = 1;
const URI_PATH_LOCK = new Uint8Array([0xb4, 0x6c, 0x6f, 0x63, 0x6b]); // Uri-Path (11) "lock"

interface Prepared {
  datagrams: Buffer[];
  bindings: RequestBinding[] | null;
}

let tokenCounter = 1;

function tokenBytes(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

function prepare(config: LoadConfig, count: number, client: SecurityContext | null, midBase: number): { prepared: Prepared; tokenBase: number } {
  const tokenBase = tokenCounter;
  tokenCounter += count;
  const datagrams: Buffer[] = [];
  const bindings: RequestBinding[] | null = client === null ? null : [];
  for (let i = 0; i < count; i++) {
    const mid = (midBase + i) & 0xffff;
    const token = tokenBytes(tokenBase + i);
    let bytes: Uint8Array;
    if (client === null) {
      bytes = new Uint8Array(4 + token.length + URI_PATH_LOCK.length);
      bytes[0] = 0x40 | token.length; // version 1, CON
      bytes[1] = GET;
      bytes[2] = mid >> 8;
      bytes[3] = mid & 255;
      bytes.set(token, 4);
      bytes.set(URI_PATH_LOCK, 4 + token.length);
    } else {
      const p = protectRequest(client.sender, GET_LOCK, false);
      bytes = encodeParts(Type.CON, p.message.code, mid, token, p.message.options, p.message.payload);
      bindings!.push(p.binding);
    }
    datagrams.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }
  return { prepared: { datagrams, bindings }, tokenBase };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** One round: `count` requests with at most `inflight` outstanding, on a fresh socket (a fresh peer). */
function runRound(config: LoadConfig, count: number, client: SecurityContext | null): Promise<RoundResult> {
  const midBase = Math.floor(Math.random() * 65536);
  const { prepared, tokenBase } = prepare(config, count, client, midBase);
  const sentAt = new Float64Array(count);
  const latency = new Float64Array(count).fill(-1);
  const replies: (Uint8Array | null)[] = new Array(count).fill(null);
  const socket = dgram.createSocket('udp4');
  let next = 0;
  let outstanding = 0;
  let answered = 0;
  let lost = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const open = new Uint8Array(count); // 1 while in flight

  return new Promise((resolve) => {
    let cpu: NodeJS.CpuUsage;
    let t0 = 0;
    let lastAt = 0;
    let finished = false;
    let sweeper: ReturnType<typeof setInterval> | null = null;
    let stopper: ReturnType<typeof setTimeout> | null = null;

    const send = (i: number) => {
      open[i] = 1;
      outstanding++;
      sentAt[i] = performance.now();
      socket.send(prepared.datagrams[i], config.port, '127.0.0.1');
    };
    const fill = () => {
      while (outstanding < config.inflight && next < count) send(next++);
      if (outstanding === 0 && next >= count) finish();
    };
    const finish = () => {
      if (finished) return;
      finished = true;
      const elapsed = (lastAt || performance.now()) - t0;
      const cpuMs = cpuMsSince(cpu);
      if (sweeper !== null) clearInterval(sweeper);
      if (stopper !== null) clearTimeout(stopper);
      socket.close();
      // OSCORE: verify every reply now, outside the timed part
      if (client !== null) {
        for (let i = 0; i < count; i++) {
          const r = replies[i];
          if (r === null) continue;
          try {
            const m = decodeCoap(r);
            const plain = unprotectResponse(client.recipient, prepared.bindings![i], { code: m.code, options: m.options, payload: m.payload });
            if (plain.code !== Code.Content || plain.payload.length === 0) throw new Error('inner code ' + plain.code);
          } catch (e) {
            failures++;
            if (firstFailure === undefined) firstFailure = String((e as Error).message ?? e);
          }
        }
      }
      const lat: number[] = [];
      for (let i = 0; i < count; i++) if (latency[i] >= 0) lat.push(latency[i]);
      lat.sort((a, b) => a - b);
      const q = (p: number) => (lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(p * lat.length) - 1))]);
      resolve({
        requests: count, answered, lost, failures, elapsedMs: elapsed,
        rps: (answered * 1000) / elapsed, medianMs: q(0.5), p99Ms: q(0.99), maxMs: lat.length ? lat[lat.length - 1] : NaN, cpuMs,
        firstFailure,
      });
    };

    socket.on('message', (msg: Buffer) => {
      const now = performance.now();
      if (msg.length < 8 || (msg[0] & 15) !== 4) return;
      const i = msg.readUInt32BE(4) - tokenBase;
      if (i < 0 || i >= count || open[i] !== 1) return; // late duplicate or foreign
      const mid = (msg[2] << 8) | msg[3];
      const type = (msg[0] >> 4) & 3;
      if (mid !== ((midBase + i) & 0xffff) || type !== Type.ACK) return;
      open[i] = 0;
      outstanding--;
      answered++;
      latency[i] = now - sentAt[i];
      lastAt = now;
      if (client === null) {
        if (msg[1] !== Code.Content) {
          failures++;
          if (firstFailure === undefined) firstFailure = 'code ' + (msg[1] >> 5) + '.' + String(msg[1] & 31).padStart(2, '0');
        }
      } else replies[i] = new Uint8Array(msg);
      fill();
    });
    socket.bind(0, '127.0.0.1', () => {
      sweeper = setInterval(() => {
        const now = performance.now();
        for (let i = 0; i < next; i++) {
          if (open[i] === 1 && now - sentAt[i] > config.timeoutMs) {
            open[i] = 0;
            outstanding--;
            lost++;
          }
        }
        fill();
      }, 50);
      stopper = setTimeout(() => {
        next = count; // stop sending; whatever is outstanding is lost
        for (let i = 0; i < count; i++) if (open[i] === 1) { open[i] = 0; lost++; }
        outstanding = 0;
        finish();
      }, config.roundMaxMs);
      cpu = process.cpuUsage();
      t0 = performance.now();
      fill();
    });
  });
}

function clientContext(c: ContextHex): SecurityContext {
  return new SecurityContext(nodeProvider(), {
    masterSecret: fromHex(c.masterSecret),
    masterSalt: fromHex(c.masterSalt),
    senderId: fromHex(c.senderId),
    recipientId: fromHex(c.recipientId),
    idContext: c.idContext === null ? null : fromHex(c.idContext),
    aeadAlg: c.aeadAlg,
  }, { storage: new MemoryStorage(), storageKey: 'loadgen-seq', sequenceStep: 4096 });
}

function waitFor(type: string): Promise<unknown> {
  return new Promise((resolve) => {
    const on = (m: { type?: string }) => {
      if (m && m.type === type) {
        process.off('message', on);
        resolve(m);
      }
    };
    process.on('message', on);
  });
}

async function main(): Promise<void> {
  const config = (await waitFor('config') as { config: LoadConfig }).config;
  const deadline = setTimeout(() => process.exit(3), config.deadlineMs);
  deadline.unref();
  const client = config.mode === 'oscore' ? clientContext(config.context!) : null;
  const send = (m: unknown) => process.send!(m);
  const warm = await runRound(config, config.warmup, client);
  send({ type: 'warmup', result: warm });
  for (let r = 0; r < config.rounds; r++) {
    send({ type: 'ready' });
    await waitFor('go');
    const result = await runRound(config, config.requests, client);
    send({ type: 'round', result });
  }
  send({ type: 'done' }); // the parent then disconnects, and this process exits
}

if (process.send === undefined) {
  process.stderr.write('bench/loadgen.ts is started by bench/run.ts (it needs an IPC channel)\n');
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));
main().catch((e) => {
  process.stderr.write('loadgen: ' + String((e as Error).stack ?? e) + '\n');
  process.exit(1);
});
