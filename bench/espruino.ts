/**
 * Table 5: the Espruino build against issue 11's targets. Always: the bundle's size. With an
 * interpreter (ESPRUINO=/path/to/espruino, built from the public Espruino source for the
 * Linux host; nothing here builds it): the door-lock flow on that interpreter serving CoAP on
 * loopback port 5683, timed, with `process.memory().usage` read through its REPL, for both
 * ways Espruino users install code:
 *   ram    the bundle is sent and runs in RAM (the espruino CLI's default upload);
 *   flash  the bundle is written to the Storage file `.bootcde` and booted from flash (the
 *          CLI's `--config SAVE_ON_SEND=1`), so function bodies stay in flash.
 * The baseline, in the same run, is the same flow against the Node device host.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildEspruino } from '../tools/espruino-build.ts';
import { keystorePayload, sealKeystore } from '../device/runtime/keystore.ts';
import { KEYSTORE_FILE } from '../device/hosts/espruino/storage.ts';
import { decode as decodeCoap } from '../device/coap/message.ts';
import { establish } from '../sim/phone/ace-client.ts';
import { OscoreClient } from '../sim/phone/oscore-client.ts';
import { CBOR_FORMAT, codeOf, command, exchangeOnce, makeWorld, mint, provider, replayOf, startDevice } from '../test/ace/fixtures.ts';
import type { World } from '../test/ace/fixtures.ts';

export const TARGETS = { bundleKB: 48, tokenMs: 1000, requestMs: 25, variables: 2000 };
const ESPRUINO_PORT = 5683;
const GETS = 21;
/** The espruino CLI writes flash files in chunks of this many characters. */
const UPLOAD_CHUNK = 1024;

export interface FlowResult {
  tokenMs: number;
  requestMedianMs: number;
  /** CoAP codes: unlock, the replayed unlock, an out-of-scope request. */
  codes: [string, string, string];
  /** read() system calls of the serving process per GET, where it can be counted. */
  readsPerRequest: number | null;
}

export interface InterpreterRun extends FlowResult {
  install: 'ram' | 'flash';
  idleVariables: number;
  afterTokenVariables: number;
}

export interface EspruinoResult {
  bundleBytes: number;
  baseline: FlowResult | null;
  runs: InterpreterRun[];
  note: string | null;
}

/**
 * Token, unlock, the unlock replayed, a request outside the scope, then GET /lock timed.
 * `readCalls`, when given, counts the server's read() system calls (around the timed GETs).
 */
export async function doorFlow(world: World, port: number, readCalls: () => number | null = () => null): Promise<FlowResult> {
  const issued = mint(world, { form: 'maced', scope: 'lock:open' });
  let t0 = performance.now();
  const session = await establish({ host: '127.0.0.1', port, token: issued.token, timeoutMs: 5000 }, issued.material, provider);
  const tokenMs = performance.now() - t0;
  const client = new OscoreClient({ host: '127.0.0.1', port, context: session.context, timeoutMs: 5000 });
  try {
    const prepared = client.prepare({ method: 'POST', path: '/lock', options: CBOR_FORMAT, payload: command('locked', false) });
    const unlock = codeOf(await client.send(prepared));
    const replayed = await exchangeOnce(port, replayOf(prepared), 2000);
    const replay = replayed === null ? 'none' : codeOf(decodeCoap(replayed));
    const outside = codeOf(await client.request({ method: 'POST', path: '/alarm', options: CBOR_FORMAT, payload: command('armed', false) }));
    const times: number[] = [];
    const readsBefore = readCalls();
    for (let i = 0; i < GETS; i++) {
      t0 = performance.now();
      const r = await client.request({ method: 'GET', path: '/lock' });
      times.push(performance.now() - t0);
      if (codeOf(r) !== '2.05') throw new Error('GET /lock answered ' + codeOf(r));
    }
    const readsAfter = readCalls();
    times.sort((a, b) => a - b);
    const readsPerRequest = readsBefore === null || readsAfter === null ? null : Math.round((readsAfter - readsBefore) / GETS);
    return { tokenMs, requestMedianMs: times[GETS >> 1], codes: [unlock, replay, outside], readsPerRequest };
  } finally {
    await client.close();
  }
}

/** One interpreter process with its output scanned for patterns and its REPL on stdin. */
class Interpreter {
  private out = '';
  private readonly child: ChildProcess;
  private waiting: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void } | null = null;

  constructor(binary: string, dir: string, script: string) {
    writeFileSync(join(dir, 'run.js'), script, 'latin1');
    this.child = spawn(binary, ['run.js'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const take = (d: Buffer) => { this.out += d.toString('latin1'); this.scan(); };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
  }

  private scan(): void {
    const w = this.waiting;
    if (w === null) return;
    const m = this.out.match(w.pattern);
    if (m === null) return;
    this.out = this.out.slice((m.index ?? 0) + m[0].length);
    this.waiting = null;
    w.resolve(m);
  }

  waitFor(pattern: RegExp, ms = 15000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} from the interpreter; its output ends: ${this.out.slice(-500)}`)), ms);
      this.waiting = { pattern, resolve: (m) => { clearTimeout(timer); resolve(m); } };
      this.scan();
    });
  }

  /** Variables in use, after the garbage collection process.memory() runs. */
  async variables(): Promise<number> {
    this.child.stdin!.write('print("@MEM"+process.memory().usage)\n');
    return Number((await this.waitFor(/@MEM(\d+)\r?\n/))[1]);
  }

  /**
   * read() system calls so far (Linux /proc/PID/io), else null. The Linux build emulates
   * flash with a file it opens and reads on every access (jshFlashRead), so code booted
   * from flash shows here; a board's flash is memory-mapped.
   */
  readCalls(): number | null {
    try {
      const m = readFileSync(`/proc/${this.child.pid}/io`, 'utf8').match(/^syscr: (\d+)$/m);
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** A JS string literal of 8-bit data, ASCII only (the interpreter reads source as UTF-8). */
function jsString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u00ff]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/** The Storage writes the espruino CLI sends for a file upload (`--storage`, SAVE_ON_SEND=1). */
function flashUpload(name: string, data: string): string {
  const lines = ['require("Storage").write(' + jsString(name) + ',' + jsString(data.slice(0, UPLOAD_CHUNK)) + ',0,' + data.length + ');'];
  for (let i = UPLOAD_CHUNK; i < data.length; i += UPLOAD_CHUNK) {
    lines.push('require("Storage").write(' + jsString(name) + ',' + jsString(data.slice(i, i + UPLOAD_CHUNK)) + ',' + i + ');');
  }
  return lines.join('\n') + '\n';
}

async function runInterpreter(binary: string, bundle: string, keystore: string, install: 'ram' | 'flash', world: World): Promise<InterpreterRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ace-espruino-'));
  try {
    const keystoreUpload = flashUpload(KEYSTORE_FILE, keystore);
    if (install === 'flash') {
      // first boot writes the files, as the CLI would; the second boots .bootcde from flash
      const writer = new Interpreter(binary, dir, keystoreUpload + flashUpload('.bootcde', bundle) + 'print("@WRITTEN");');
      try { await writer.waitFor(/@WRITTEN/); } finally { writer.kill(); }
    }
    const device = new Interpreter(binary, dir, install === 'flash' ? 'load();\n' : keystoreUpload + bundle);
    try {
      await device.waitFor(/on UDP port (\d+)/);
      const idle = await device.variables();
      const flow = await doorFlow(world, ESPRUINO_PORT, () => device.readCalls());
      const after = await device.variables();
      return { install, idleVariables: idle, afterTokenVariables: after, ...flow };
    } finally {
      device.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runEspruino(log: (s: string) => void): Promise<EspruinoResult> {
  const built = await buildEspruino();
  const world = makeWorld('lock', true);
  log('espruino: baseline flow on the Node host…');
  const host = await startDevice(world);
  let baseline: FlowResult | null = null;
  try {
    baseline = await doorFlow(world, host.port);
  } finally {
    await host.close();
  }
  const binary = process.env.ESPRUINO;
  if (!binary) return { bundleBytes: built.bytes, baseline, runs: [], note: 'set ESPRUINO=/path/to/espruino (the interpreter built for the Linux host) to measure on it' };
  const bundle = readFileSync(built.path, 'latin1');
  const keystore = Buffer.from(sealKeystore(keystorePayload(world.keystore), (d) => provider.sha256(d))).toString('latin1');
  const runs: InterpreterRun[] = [];
  for (const install of ['ram', 'flash'] as const) {
    log(`espruino: the flow on ${binary} (${install})…`);
    runs.push(await runInterpreter(binary, bundle, keystore, install, world));
  }
  return { bundleBytes: built.bytes, baseline, runs, note: null };
}
