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

/** Runs the load generator against `server` and gathers its rounds. */
export function runLoad(name: string, server: RunningServer, mode: 'plain' | 'oscore', plan: LoadPlan): Promise<ScenarioResult> {
  const roundMaxMs = 30000;
  const config: LoadConfig = {
    port: server.port, mode, inflight: plan.inflight, warmup: plan.warmup, requests: plan.requests, rounds: plan.rounds,
    timeoutMs: 1000, roundMaxMs, deadlineMs: roundMaxMs * (plan.rounds + 1) + 20000, context: server.context,
  };
  const child = fork(LOADGEN, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    const rounds: ServerRound[] = [];
    let warmup: RoundResult | null = null;
    let cpu: NodeJS.CpuUsage | null = null;
    let settled = false;
    const killer = setTimeout(() => fail(new Error(name + ': load generator did not finish in time')), config.deadlineMs + 5000);
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      if (child.connected) child.disconnect();
      if (child.exitCode === null) setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 2000).unref();
      f();
    };
    const fail = (e: Error) => done(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(e);
    });
    child.on('exit', (code) => {
      children.delete(child);
      if (!settled) fail(new Error(name + ': load generator exited with ' + code));
    });
    child.on('error', (e) => fail(e));
    child.on('message', (m: { type: string; result?: RoundResult }) => {
      if (m.type === 'warmup') warmup = m.result!;
      else if (m.type === 'ready') {
        cpu = process.cpuUsage();
        child.send({ type: 'go' });
      } else if (m.type === 'round') {
        rounds.push({ ...m.result!, serverCpuMs: cpu === null ? NaN : cpuMs(cpu) });
      } else if (m.type === 'done') done(() => resolve(summarizeScenario(name, mode, warmup!, rounds)));
    });
    child.send({ type: 'config', config });
  });
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

/** Starts a server, loads it, always closes it. */
export async function scenario(name: string, mode: 'plain' | 'oscore', start: () => Promise<RunningServer>,
  plan: LoadPlan): Promise<ScenarioResult> {
  const server = await start();
  try {
    return await runLoad(name, server, mode, plan);
  } finally {
    await server.close();
  }
}
