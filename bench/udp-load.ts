/**
 * Table 3: each server of servers.ts under the load of bench/loadgen.ts, a separate process.
 * The server runs in this process; per round this process's CPU time is taken too, so the
 * report can say how much server CPU one request costs and whether the server or the load
 * generator was the bottleneck. Every child is killed on a deadline and on exit.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './stats.ts';
import type { LoadConfig, RoundResult } from './loadgen.ts';
import type { RunningServer } from './servers.ts';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
});

export interface LoadPlan {
  inflight: number;
  warmup: number;
  requests: number;
  rounds: number;
}

export interface ServerRound extends RoundResult {
  /** CPU time of the server process (this one) during the round, ms. */
  serverCpuMs: number;
}

export interface ScenarioResult {
  name: string;
  mode: 'plain' | 'oscore';
  rounds: ServerRound[];
  warmup: RoundResult;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  medianMs: number;
  p99Ms: number;
  /** The worst round's p99. */
  p99MaxMs: number;
  lost: number;
  failures: number;
  firstFailure?: string;
  /** Server CPU per request, µs (median over rounds). */
  serverCpuUsPerRequest: number;
  /** Load generator CPU per request, µs (median over rounds). */
  loadgenCpuUsPerRequest: number;
  /** Server CPU busy fraction during the round (1 = one core saturated). */
  serverBusy: number;
  loadgenBusy: number;
}

function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

type Message = { type: string; result?: RoundResult };

/** One load generator process bound to one server: warm-up once, then rounds on demand. */
class LoadSession {
  private readonly child: ChildProcess;
  private readonly inbox: Message[] = [];
  private waiter: { type: string; resolve: (m: Message) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> } | null = null;
  private failure: Error | null = null;

  constructor(readonly name: string, private readonly config: LoadConfig) {
    this.child = fork(LOADGEN, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(this.child);
    this.child.on('message', (m: Message) => this.deliver(m));
    this.child.on('exit', (code) => {
      children.delete(this.child);
      this.fail(new Error(name + ': load generator exited with ' + code));
    });
    this.child.on('error', (e) => this.fail(e));
    this.child.send({ type: 'config', config });
  }

  private deliver(m: Message): void {
    const w = this.waiter;
    if (w !== null && w.type === m.type) {
      this.waiter = null;
      clearTimeout(w.timer);
      w.resolve(m);
    } else this.inbox.push(m);
  }

  private fail(e: Error): void {
    if (this.failure === null) this.failure = e;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  /** The next message of this type, within a round's time bound. */
  private next(type: string): Promise<Message> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(this.name + ': no ' + type + ' in time')), this.config.roundMaxMs + 15000);
      this.waiter = { type, resolve, reject, timer };
    });
  }

  async warmup(): Promise<RoundResult> {
    return (await this.next('warmup')).result!;
  }

  /** One measured round; this process's CPU time is taken over it. */
  async round(): Promise<ServerRound> {
    await this.next('ready');
    const cpu = process.cpuUsage();
    this.child.send({ type: 'go' });
    const m = await this.next('round');
    return { ...m.result!, serverCpuMs: cpuMs(cpu) };
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
    const child = this.child;
    if (child.exitCode === null) setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 2000).unref();
  }
}

export interface ScenarioSpec {
  key: string;
  name: string;
  mode: 'plain' | 'oscore';
  start: () => Promise<RunningServer>;
}

export interface ScenarioOutcome {
  spec: ScenarioSpec;
  result: ScenarioResult | null;
  error: string | null;
}

const ROUND_MAX_MS = 15000;

/**
 * Starts every server with its own load generator and warms each up; then runs the rounds
 * interleaved (round 1 of every server, round 2 of every server, ...) so that the shared
 * machine's drifts hit all servers alike. Servers and children are always closed.
 */
export async function runInterleaved(specs: ScenarioSpec[], plan: LoadPlan, log: (s: string) => void): Promise<ScenarioOutcome[]> {
  const live: { spec: ScenarioSpec; server: RunningServer; session: LoadSession; warmup: RoundResult | null; rounds: ServerRound[]; error: string | null }[] = [];
  const outcomes: ScenarioOutcome[] = [];
  try {
    for (const spec of specs) {
      log('  start + warm-up ' + spec.name);
      let server: RunningServer;
      try {
        server = await spec.start();
      } catch (e) {
        outcomes.push({ spec, result: null, error: 'server did not start: ' + (e as Error).message });
        continue;
      }
      const config: LoadConfig = {
        port: server.port, mode: spec.mode, inflight: plan.inflight, warmup: plan.warmup, requests: plan.requests, rounds: plan.rounds,
        timeoutMs: 1000, roundMaxMs: ROUND_MAX_MS, deadlineMs: ROUND_MAX_MS * (plan.rounds + 1) * specs.length + 30000, context: server.context,
      };
      const entry = { spec, server, session: new LoadSession(spec.name, config), warmup: null as RoundResult | null, rounds: [] as ServerRound[], error: null as string | null };
      live.push(entry);
      try {
        entry.warmup = await entry.session.warmup();
      } catch (e) {
        entry.error = (e as Error).message;
      }
    }
    for (let r = 0; r < plan.rounds; r++) {
      log(`  round ${r + 1}/${plan.rounds}`);
      for (const entry of live) {
        if (entry.error !== null) continue;
        try {
          entry.rounds.push(await entry.session.round());
        } catch (e) {
          entry.error = (e as Error).message;
        }
      }
    }
  } finally {
    for (const entry of live) {
      entry.session.close();
      await entry.server.close();
    }
  }
  for (const entry of live) {
    outcomes.push(entry.error !== null || entry.warmup === null
      ? { spec: entry.spec, result: null, error: entry.error ?? 'no warm-up' }
      : { spec: entry.spec, result: summarizeScenario(entry.spec.name, entry.spec.mode, entry.warmup, entry.rounds), error: null });
  }
  return specs.map((spec) => outcomes.find((o) => o.spec === spec)!);
}

function summarizeScenario(name: string, mode: 'plain' | 'oscore', warmup: RoundResult, rounds: ServerRound[]): ScenarioResult {
  const rps = rounds.map((r) => r.rps);
  const first = rounds.find((r) => r.firstFailure !== undefined);
  return {
    name, mode, rounds, warmup,
    rps: median(rps), rpsMin: Math.min(...rps), rpsMax: Math.max(...rps),
    medianMs: median(rounds.map((r) => r.medianMs)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    p99MaxMs: Math.max(...rounds.map((r) => r.p99Ms)),
    lost: rounds.reduce((a, r) => a + r.lost, 0),
    failures: rounds.reduce((a, r) => a + r.failures, 0) + warmup.failures,
    firstFailure: first?.firstFailure ?? warmup.firstFailure,
    serverCpuUsPerRequest: median(rounds.map((r) => (r.serverCpuMs * 1000) / Math.max(1, r.answered))),
    loadgenCpuUsPerRequest: median(rounds.map((r) => (r.cpuMs * 1000) / Math.max(1, r.answered))),
    serverBusy: median(rounds.map((r) => r.serverCpuMs / r.elapsedMs)),
    loadgenBusy: median(rounds.map((r) => r.cpuMs / r.elapsedMs)),
  };
}
