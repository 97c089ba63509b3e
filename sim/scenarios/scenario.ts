/**
 * A scenario: a named story run in a fresh World with a fixed seed, and the expectations it
 * checks. An expectation is `security` (what an attacker must not achieve, what a policy must
 * refuse) or `service` (what legitimate users must still get). A scenario passes when every
 * expectation holds; the CLI's exit code fails on any that does not.
 */
import { SimStalled } from '../core/sim.ts';
import type { Counters, MessageRecord, NoteRecord } from '../core/trace.ts';
import { World } from './world.ts';
import type { WorldOptions } from './world.ts';

export type ExpectationKind = 'security' | 'service';

export interface Expectation {
  kind: ExpectationKind;
  name: string;
  passed: boolean;
  detail: string;
}

export class Checks {
  readonly list: Expectation[] = [];

  /** Something an attacker or an out-of-policy user must not get. */
  security(name: string, passed: boolean, detail = ''): boolean {
    this.list.push({ kind: 'security', name, passed, detail });
    return passed;
  }

  /** A precondition of the story (the attacker did overhear something): the run stops if it fails. */
  require(what: string, holds: boolean): void {
    if (!holds) throw new Error('precondition failed: ' + what);
  }

  /** Something a legitimate user must get. */
  service(name: string, passed: boolean, detail = ''): boolean {
    this.list.push({ kind: 'service', name, passed, detail });
    return passed;
  }
}

export interface Scenario {
  name: string;
  title: string;
  /** What it shows, for the report and the README. */
  description: string;
  world?: Omit<WorldOptions, 'seed' | 'detail'>;
  /** Virtual time after which the run is a hang. Default two days. */
  limitMs?: number;
  run(w: World, x: Checks): Promise<void>;
}

export interface ScenarioResult {
  name: string;
  title: string;
  description: string;
  seed: string;
  passed: boolean;
  expectations: Expectation[];
  /** A failure that ended the run early (an exception, a stall). */
  error: string | null;
  virtualMs: number;
  endsAtLocal: string;
  counters: Counters;
  linkEvents: number;
  linkDigest: string;
  /** Datagrams and notes for the sequence chart; the AS's decisions. */
  messages: MessageRecord[];
  notes: NoteRecord[];
  journal: string[];
  lanes: string[];
}

function describe(e: unknown): string {
  if (e instanceof SimStalled) return e.message;
  if (e && typeof e === 'object' && 'message' in e) {
    const kind = 'kind' in e ? String((e as { kind: unknown }).kind) + ': ' : '';
    return kind + String((e as { message: unknown }).message);
  }
  return String(e);
}

export async function runScenario(s: Scenario, seed: number | string): Promise<ScenarioResult> {
  const w = new World({ ...(s.world ?? {}), seed: s.name + '#' + seed, detail: true });
  const x = new Checks();
  let error: string | null = null;
  try {
    await w.sim.run(() => s.run(w, x), s.limitMs ?? 2 * 86400000);
  } catch (e) {
    error = describe(e);
  }
  const lanes: string[] = [];
  for (const m of w.sim.trace.messages) for (const l of [m.from, m.to]) if (lanes.indexOf(l) < 0) lanes.push(l);
  const asLane = lanes.indexOf(w.sim.network.nameOf(w.as.addr.address));
  if (asLane >= 0) lanes.push(lanes.splice(asLane, 1)[0]); // the AS on the right, beyond the devices
  const passed = error === null && x.list.length > 0 && x.list.every((e) => e.passed);
  return {
    name: s.name, title: s.title, description: s.description, seed: String(seed), passed, expectations: x.list, error,
    virtualMs: w.sim.now(), endsAtLocal: w.sim.localTimeText(), counters: w.sim.trace.counters,
    linkEvents: w.sim.trace.linkEvents, linkDigest: w.sim.trace.linkDigest(),
    messages: w.sim.trace.messages, notes: w.sim.trace.notes, journal: w.as.journal, lanes,
  };
}
