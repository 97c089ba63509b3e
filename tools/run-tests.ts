/**
 * `npm test`: every suite the project has, then one closing line `N passed, N failed`.
 * Each static check (lint, typecheck, bundle check) counts as one test; ava's tests count
 * one each (read from its TAP summary).
 */
import { spawnSync } from 'node:child_process';
import { missingVectors } from '../test/helpers/vectors.ts';

interface Suite {
  name: string;
  command: string[];
  tap?: boolean;
}

const suites: Suite[] = [
  { name: 'portable lint', command: ['npx', 'tsx', 'tools/portable-lint.ts'] },
  { name: 'typecheck', command: ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'espruino bundle check', command: ['npx', 'tsx', 'tools/espruino-check.ts'] },
  { name: 'unit and end-to-end tests', command: ['npx', 'ava', '--tap', ...process.argv.slice(2)], tap: true },
];

let passed = 0;
let failed = 0;
let skipped = 0;

const missing = missingVectors();
if (missing !== null) process.stdout.write(`\nwarning: ${missing}; every test built on them will fail\n`);

for (const suite of suites) {
  process.stdout.write(`\n== ${suite.name}: ${suite.command.join(' ')}\n`);
  const run = spawnSync(suite.command[0], suite.command.slice(1), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = run.stdout ?? '';
  if (!suite.tap) {
    process.stdout.write(out);
    if (run.status === 0) passed++;
    else {
      failed++;
      process.stdout.write(`-- ${suite.name} FAILED (exit ${run.status})\n`);
    }
    continue;
  }
  // Print failures and the summary, not 600 "ok" lines.
  const lines = out.split('\n');
  for (const line of lines) if (!/^ok \d+/.test(line)) process.stdout.write(line + '\n');
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
  const pass = count('pass');
  const fail = count('fail');
  const skip = count('skip');
  passed += pass;
  failed += fail;
  skipped += skip;
  if (run.status !== 0 && fail === 0) {
    failed++; // ava itself failed (a crash, an uncaught exception, no tests found)
    process.stdout.write(`-- ${suite.name} exited ${run.status} with no failing test reported\n`);
  }
}

process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed === 0 ? 0 : 1);
