/**
 * `npm run bench` (tsx bench/run.ts [--quick] [--only=pipeline,oscore,udp,memory,espruino] [--scenario=floor,device-oscore,...]).
 * To profile a server: node --cpu-prof --import tsx bench/run.ts --only=udp --scenario=device-oscore
 * (the load generator is a separate process and is not in the profile).
 *
 * Speed and memory as ratios against a baseline measured in the same run: the portable (noble)
 * provider against the Node one, each server against a bare UDP responder. The machine is
 * shared, so every figure is a median over repeats, printed with its spread, and the load
 * average is printed beside the results. Tables go to stdout, progress to stderr, everything
 * to bench/results/latest.json. The full run takes about 2 minutes, --quick about 30 s.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nobleProvider } from '../device/crypto/noble/provider.ts';
import { nodeProvider } from '../device/crypto/node/provider.ts';
import { portableCbor } from '../device/codec/cbor.ts';
import { cborX } from '../device/hosts/node/cbor-x.ts';
import { FileStorage } from '../device/hosts/node/file-storage.ts';
import { runPipeline } from './token-pipeline.ts';
import type { PipelineRow } from './token-pipeline.ts';
import { runOscore } from './oscore-ops.ts';
import type { OscoreRow } from './oscore-ops.ts';
import { runInterleaved } from './udp-load.ts';
import type { LoadPlan, ScenarioResult, ScenarioSpec } from './udp-load.ts';
import { startDeviceOscore, startDevicePlain, startFloor, startNodeCoap } from './servers.ts';
import { runEspruino, TARGETS as ESPRUINO_TARGETS } from './espruino.ts';
import type { EspruinoResult } from './espruino.ts';
import { fmtBytes, fmtMs, fmtRate, fmtRatio, fmtSummary, printTable } from './table.ts';
import type { SampleOptions } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results');

/** Targets of table 3 (device server with OSCORE). */
const TARGET_FLOOR_RATIO = 0.3;
const TARGET_P99_MS = 2;

interface Settings {
  quick: boolean;
  only: string[];
  /** Keys of the table 3 servers to run (all when empty). */
  scenarios: string[];
  micro: SampleOptions;
  load: LoadPlan;
  memoryRepeats: number;
}

function settingsFrom(argv: string[]): Settings {
  const quick = argv.includes('--quick');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : ['pipeline', 'oscore', 'udp', 'memory', 'espruino'];
  const scenarioArg = argv.find((a) => a.startsWith('--scenario='));
  const scenarios = scenarioArg ? scenarioArg.slice('--scenario='.length).split(',') : [];
  return quick
    ? { quick, only, scenarios, micro: { sampleMs: 80, rounds: 3, warmupMs: 60 }, load: { inflight: 16, warmup: 1000, requests: 5000, rounds: 2 }, memoryRepeats: 2 }
    : { quick, only, scenarios, micro: { sampleMs: 300, rounds: 9, warmupMs: 200 }, load: { inflight: 16, warmup: 2000, requests: 20000, rounds: 4 }, memoryRepeats: 5 };
}

const log = (s: string) => process.stderr.write(s + '\n');

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

// ------------------------------------------------------------------ table 1

function printPipeline(rows: PipelineRow[], s: Settings): void {
  const label = (r: PipelineRow) =>
    (r.operation === 'verify' ? 'verify CWT + decrypt cnf' : '/authz-info postToken') + ' ' + (r.suite === 'EdDSA' ? 'EdDSA/X25519' : 'ES256/P-256');
  printTable(
    `1. Token pipeline, operations/s (median of ${s.micro.rounds} samples, ± half the min–max spread)`,
    ['operation', 'codec', 'portable (noble)', 'node', 'node ÷ portable'],
    rows.map((r) => [label(r), r.codec, fmtSummary(r.portable), fmtSummary(r.node), fmtRatio(r.ratio)]),
    [
      'verify = device/cwt/verify.ts verifyCwt with the device policy: signature, claims, cnf PoP key by ECDH-ES+HKDF+AES-CCM.',
      'postToken = device/ace/rs.ts AceResourceServer.postToken: the verify above, scope, sealed token store write, audit,',
      '  OSCORE context derivation. Tokens by sim/as/issuer.ts (form signed, cnf to the device key); 96 distinct ones cycled.',
      ...codecNotes(rows),
    ],
  );
}

function codecNotes(rows: PipelineRow[]): string[] {
  const out: string[] = [];
  for (const op of ['verify', 'authz-info']) {
    for (const suite of ['EdDSA', 'ES256']) {
      const p = rows.find((r) => r.operation === op && r.suite === suite && r.codec === 'portable');
      const x = rows.find((r) => r.operation === op && r.suite === suite && r.codec === 'cbor-x');
      if (!p || !x) continue;
      out.push(`codec effect, ${op} ${suite}: cbor-x ÷ portable = ${fmtRatio(x.node.median / p.node.median)} (node provider), ` +
        `${fmtRatio(x.portable.median / p.portable.median)} (portable provider)`);
    }
  }
  return out;
}

// ------------------------------------------------------------------ table 2

function printOscore(rows: OscoreRow[], s: Settings): void {
  printTable(
    `2. OSCORE, operations/s (median of ${s.micro.rounds} samples)`,
    ['operation', 'portable (noble)', 'node', 'node ÷ portable'],
    rows.map((r) => [r.operation, fmtSummary(r.portable), fmtSummary(r.node), fmtRatio(r.ratio)]),
    ['one round trip = protectRequest + verifyRequest (replay window) + protectResponse + unprotectResponse (device/oscore).'],
  );
}

// ------------------------------------------------------------------ table 3

interface Scenario extends ScenarioSpec {
  /** Held to the targets. */
  target: boolean;
  cleanup?: () => void;
}

function scenarios(): Scenario[] {
  let dir: string | null = null;
  const files = () => new FileStorage((dir = mkdtempSync(join(tmpdir(), 'ace-bench-'))));
  return [
    { key: 'floor', name: '(a) bare node:dgram 2.05 (floor)', mode: 'plain', start: startFloor, target: false },
    { key: 'node-coap', name: '(b) node-coap createServer', mode: 'plain', start: startNodeCoap, target: false },
    { key: 'device-plain', name: '(c) device UdpServer + Site, plain', mode: 'plain', start: startDevicePlain, target: false },
    {
      key: 'device-oscore', name: '(d) DeviceHost + OSCORE (node, cbor-x)', mode: 'oscore', target: true,
      start: () => startDeviceOscore({ provider: nodeProvider(), codec: cborX }),
    },
    {
      key: 'device-oscore-portable', name: "(d') DeviceHost + OSCORE (noble, portable CBOR)", mode: 'oscore', target: false,
      start: () => startDeviceOscore({ provider: nobleProvider(), codec: portableCbor }),
    },
    {
      key: 'device-oscore-files', name: "(d'') DeviceHost + OSCORE (node, FileStorage)", mode: 'oscore', target: false,
      start: () => startDeviceOscore({ provider: nodeProvider(), codec: cborX, storage: files() }),
      cleanup: () => { if (dir !== null) rmSync(dir, { recursive: true, force: true }); },
    },
    {
      // what the audit log's batching costs: the same device, writing the log every 64 events instead of 8
      key: 'device-oscore-audit64', name: '(e) as (d), auditFlushEvery 64', mode: 'oscore', target: false,
      start: () => startDeviceOscore({ provider: nodeProvider(), codec: cborX, tuning: { ace: { auditFlushEvery: 64 } } }),
    },
  ];
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

function printUdp(results: ScenarioResult[], s: Settings): string[] {
  const floor = results.find((r) => r.name.startsWith('(a)'));
  const f = floor ? floor.rps : NaN;
  const rows = results.map((r) => [
    r.name, fmtRate(r.rps), `${fmtRate(r.rpsMin)}–${fmtRate(r.rpsMax)}`, fmtMs(r.medianMs), fmtMs(r.p99Ms), fmtMs(r.p99MaxMs),
    fmtRatio(r.rps / f), r.serverCpuUsPerRequest.toFixed(1), (r.serverBusy * 100).toFixed(0) + '%', (r.loadgenBusy * 100).toFixed(0) + '%',
    String(r.lost + r.failures),
  ]);
  const verdicts: string[] = [];
  for (const r of results) {
    if (!r.name.startsWith('(d)')) continue;
    const ratio = r.rps / f;
    verdicts.push(`target (d) OSCORE GETs/s ≥ ${TARGET_FLOOR_RATIO}× floor: ${ratio.toFixed(3)}× → ${verdict(ratio >= TARGET_FLOOR_RATIO)}`);
    if (floor) {
      verdicts.push(`  (by server CPU instead of wall rate, which is steadier on a shared machine: floor ${floor.serverCpuUsPerRequest.toFixed(1)} µs/req ÷ ` +
        `(d) ${r.serverCpuUsPerRequest.toFixed(1)} µs/req = ${(floor.serverCpuUsPerRequest / r.serverCpuUsPerRequest).toFixed(2)}×)`);
    }
    verdicts.push(`target (d) p99 < ${TARGET_P99_MS} ms: median p99 ${fmtMs(r.p99Ms)} ms (worst round ${fmtMs(r.p99MaxMs)}) → ${verdict(r.p99Ms < TARGET_P99_MS)}`);
  }
  const floorNote = floor ? `the floor's own p99 is ${fmtMs(floor.p99Ms)} ms, its CPU ${(floor.serverBusy * 100).toFixed(0)}% + ${(floor.loadgenBusy * 100).toFixed(0)}%: ` +
    'below 100% each, the floor is bound by wake-ups and the 2 shared cores, not by either process.' : '';
  printTable(
    `3. Loopback UDP, ${s.load.inflight} CON GETs in flight from a separate process, ${s.load.requests} requests × ${s.load.rounds} rounds after ${s.load.warmup} warm-up`,
    ['server', 'req/s', 'range', 'p50 ms', 'p99 ms', 'p99 max', '÷ floor', 'srv µs/req', 'srv CPU', 'gen CPU', 'lost+bad'],
    rows,
    [
      ...verdicts,
      'req/s, p50, p99: medians over rounds. srv µs/req: server process CPU per answered request; srv/gen CPU: share of one core',
      'used by the server and by the load generator during the rounds (a server near 100% is CPU-bound).',
      floorNote,
      'OSCORE requests are protected before a round and every reply is verified after it (lost+bad counts failures).',
      "(d'), (d'') and (e) are for comparison and are not held to the targets.",
    ],
  );
  return verdicts;
}

// ------------------------------------------------------------------ table 4

interface MemoryResult {
  [codec: string]: unknown;
}

function runMemory(repeats: number): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'memory.ts')], {
      cwd: ROOT, timeout: 120000, killSignal: 'SIGKILL', env: { ...process.env, BENCH_MEMORY_REPEATS: String(repeats) },
    }, (error, stdout, stderr) => {
      if (error) reject(new Error('memory benchmark failed: ' + error.message + '\n' + stderr));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

interface CodecMemory {
  heapPerToken: number;
  heapPerTokenMin: number;
  heapPerTokenMax: number;
  storageBytes1: number;
  storageBytes8: number;
  auditBytes8: number;
}

function printMemory(m: MemoryResult): void {
  const rows: string[][] = [];
  for (const codec of ['portable', 'cbor-x']) {
    const c = m[codec] as CodecMemory;
    rows.push([`device runtime, ${codec} CBOR`, fmtBytes(c.heapPerToken), `${fmtBytes(c.heapPerTokenMin)}–${fmtBytes(c.heapPerTokenMax)}`,
      fmtBytes((c.storageBytes8 - c.storageBytes1) / 7), fmtBytes(c.storageBytes8), fmtBytes(c.auditBytes8)]);
  }
  const ctx = m.oscoreContext as { heap: number; min: number; max: number };
  rows.push(['bare OSCORE SecurityContext', fmtBytes(ctx.heap), `${fmtBytes(ctx.min)}–${fmtBytes(ctx.max)}`, '-', '-', '-']);
  printTable(
    '4. Memory per stored token (token record + OSCORE context + audit event), heap after full GC',
    ['what', 'heap/token', 'range', 'storage/token', 'storage @8', 'audit @8'],
    rows,
    [
      `Device (lock, MemoryStorage, node provider) with 1 token, then 8 (the store's default capacity); ${m.repeats} repeats × 24 devices;`,
      'storage = bytes the device persists (token store + OSCORE sequence records), audit log apart. Code space not counted.',
    ],
  );
}

// ------------------------------------------------------------------ table 5

function printEspruino(r: EspruinoResult): string[] {
  const t = ESPRUINO_TARGETS;
  const kb = r.bundleBytes / 1024;
  const rows: string[][] = [['bundle size', '-', `${kb.toFixed(1)} KB`, `< ${t.bundleKB} KB`, fmtRatio(kb / t.bundleKB), verdict(kb < t.bundleKB)]];
  const targets = [`Espruino bundle ${kb.toFixed(1)} KB (target < ${t.bundleKB} KB): ${verdict(kb < t.bundleKB)}`];
  const b = r.baseline;
  for (const run of r.runs) {
    rows.push(
      [`token acceptance (${run.install})`, b ? fmtMs(b.tokenMs) + ' ms' : '-', fmtMs(run.tokenMs) + ' ms', `< ${t.tokenMs} ms`, fmtRatio(run.tokenMs / t.tokenMs), verdict(run.tokenMs < t.tokenMs)],
      [`OSCORE GET /lock, median (${run.install})`, b ? fmtMs(b.requestMedianMs) + ' ms' : '-', fmtMs(run.requestMedianMs) + ' ms', `< ${t.requestMs} ms`, fmtRatio(run.requestMedianMs / t.requestMs), verdict(run.requestMedianMs < t.requestMs)],
      [`variables idle after start-up (${run.install})`, '-', String(run.idleVariables), `≤ ${t.variables}`, fmtRatio(run.idleVariables / t.variables), verdict(run.idleVariables <= t.variables)],
      [`variables with one token (${run.install})`, '-', String(run.afterTokenVariables), '-', '-', '-'],
      [`read() system calls per GET (${run.install})`, '-', run.readsPerRequest === null ? '-' : String(run.readsPerRequest), '-', '-', '-'],
    );
    targets.push(`Espruino (${run.install}) token ${fmtMs(run.tokenMs)} ms, request ${fmtMs(run.requestMedianMs)} ms, ${run.idleVariables} variables idle; flow ${run.codes.join(' ')}`);
  }
  const notes = [
    'ratio = measured / target. baseline = the same flow against the Node device host in this run.',
    'flow codes (unlock, replayed unlock, outside the scope): ' + (r.runs.length ? r.runs.map((x) => `${x.install} ${x.codes.join(' ')}`).join('; ') : b ? 'Node ' + b.codes.join(' ') : '-'),
  ];
  if (r.runs.length) {
    notes.push('flash: the Linux build emulates flash with a file it opens and reads on every access (read() calls above), so the',
      '  flash times include that file I/O; a board\'s flash is memory-mapped.');
  }
  if (r.note) notes.push(r.note);
  printTable('5. Espruino build against issue 11\'s targets (Linux-host interpreter)', ['what', 'Node baseline', 'measured', 'target', 'ratio', ''], rows, notes);
  return targets;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const s = settingsFrom(process.argv.slice(2));
  const started = Date.now();
  const meta = {
    date: new Date().toISOString(), node: process.version, commit: gitCommit(), cpus: cpus().length, quick: s.quick,
    loadavgStart: loadavg(), loadavgEnd: [] as number[], seconds: 0, settings: { micro: s.micro, load: s.load, memoryRepeats: s.memoryRepeats },
  };
  process.stdout.write(`ACE device benchmarks${s.quick ? ' (quick)' : ''} — node ${process.version}, ${cpus().length} cores, commit ${meta.commit ?? '?'}, load average ${load()}\n`);
  const results: { [k: string]: unknown } = { meta };
  const targets: string[] = [];

  if (s.only.includes('pipeline')) {
    log('token pipeline…');
    const rows = runPipeline(s.micro, log);
    printPipeline(rows, s);
    results.pipeline = rows;
  }
  if (s.only.includes('oscore')) {
    log('OSCORE…');
    const rows = runOscore(s.micro, log);
    printOscore(rows, s);
    results.oscore = rows;
  }
  if (s.only.includes('udp')) {
    log('loopback UDP…');
    const out: ScenarioResult[] = [];
    const all = scenarios();
    const specs = all.filter((x) => s.scenarios.length === 0 || s.scenarios.includes(x.key));
    try {
      for (const o of await runInterleaved(specs, s.load, log)) {
        if (o.result !== null) out.push(o.result);
        else process.stdout.write(`  ${o.spec.name}: FAILED (${o.error})\n`);
      }
    } finally {
      for (const spec of all) spec.cleanup?.();
    }
    targets.push(...printUdp(out, s));
    results.udp = out;
  }
  if (s.only.includes('memory')) {
    log('memory…');
    const m = await runMemory(s.memoryRepeats);
    printMemory(m);
    results.memory = m;
  }

  if (s.only.includes('espruino')) {
    log('espruino…');
    const r = await runEspruino(log);
    targets.push(...printEspruino(r));
    results.espruino = r;
  }

  meta.loadavgEnd = loadavg();
  meta.seconds = (Date.now() - started) / 1000;
  results.targets = targets;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`\nload average at the end ${load()}; ${meta.seconds.toFixed(0)} s; results in bench/results/latest.json\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String((e as Error).stack ?? e) + '\n');
    process.exit(1);
  },
);
