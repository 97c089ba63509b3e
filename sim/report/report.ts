/**
 * The report of a run, as CI reads it (report.json): everything in it follows from the seed
 * and the options, nothing from the machine or the wall clock, so the same seed gives the
 * same bytes. Times are virtual milliseconds rounded to 0.1.
 */
import type { ScenarioResult, Expectation } from '../scenarios/scenario.ts';
import type { FleetResult } from '../fleet/fleet.ts';
import type { MessageRecord, NoteRecord } from '../core/trace.ts';
import { round1 } from '../fleet/stats.ts';

export const REPORT_FORMAT = 1;

export interface ScenarioEntry {
  name: string;
  title: string;
  description: string;
  passed: boolean;
  error: string | null;
  expectations: Expectation[];
  virtualMs: number;
  endsAtLocal: string;
  counters: ScenarioResult['counters'];
  linkEvents: number;
  linkDigest: string;
  notes: NoteRecord[];
  asJournal: string[];
}

export interface Chart {
  scenario: string;
  lanes: string[];
  messages: MessageRecord[];
  notes: NoteRecord[];
}

export interface Report {
  tool: 'ace-sim';
  format: number;
  command: string;
  seed: string;
  summary: {
    scenarios: number;
    passed: number;
    failed: number;
    securityExpectations: number;
    securityViolations: number;
    serviceFailures: number;
    fleetViolations: number;
  };
  scenarios: ScenarioEntry[];
  chart: Chart | null;
  fleet: FleetResult | null;
}

function roundedNotes(notes: NoteRecord[]): NoteRecord[] {
  return notes.map((n) => ({ t: round1(n.t), lane: n.lane, text: n.text }));
}

export function buildReport(command: string, seed: string, results: ScenarioResult[], chartOf: string | null, fleet: FleetResult | null): Report {
  const all = results.flatMap((r) => r.expectations);
  const chartResult = results.find((r) => r.name === chartOf) ?? null;
  return {
    tool: 'ace-sim',
    format: REPORT_FORMAT,
    command,
    seed,
    summary: {
      scenarios: results.length,
      passed: results.filter((r) => r.passed).length,
      failed: results.filter((r) => !r.passed).length,
      securityExpectations: all.filter((e) => e.kind === 'security').length,
      securityViolations: all.filter((e) => e.kind === 'security' && !e.passed).length,
      serviceFailures: all.filter((e) => e.kind === 'service' && !e.passed).length,
      fleetViolations: fleet === null ? 0 : fleet.violations.length,
    },
    scenarios: results.map((r) => ({
      name: r.name, title: r.title, description: r.description, passed: r.passed, error: r.error, expectations: r.expectations,
      virtualMs: round1(r.virtualMs), endsAtLocal: r.endsAtLocal, counters: r.counters, linkEvents: r.linkEvents,
      linkDigest: r.linkDigest, notes: roundedNotes(r.notes), asJournal: r.journal,
    })),
    chart: chartResult === null ? null : {
      scenario: chartResult.name,
      lanes: chartResult.lanes,
      messages: chartResult.messages.map((m) => ({ ...m, sent: round1(m.sent), arrived: m.arrived === null ? null : round1(m.arrived) })),
      notes: roundedNotes(chartResult.notes),
    },
    fleet,
  };
}

/** Whether the run failed: a scenario failed (security or service), or the fleet saw a violation. */
export function failed(r: Report): boolean {
  return r.summary.failed > 0 || r.summary.fleetViolations > 0;
}

export function reportJson(r: Report): string {
  return JSON.stringify(r, null, 2) + '\n';
}
