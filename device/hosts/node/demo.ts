/**
 * `ace-device serve --demo`: a throwaway AS and door lock, provisioned exactly as a factory
 * would (through the provisioning CLI), in a fresh temporary directory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as provision } from '../../../provisioning/cli.ts';
import type { Io } from '../../../provisioning/io.ts';

export interface Demo {
  root: string;
  asDir: string;
  deviceDir: string;
  recordFile: string;
}

export async function makeDemo(): Promise<Demo> {
  const root = mkdtempSync(join(tmpdir(), 'ace-demo-'));
  const asDir = join(root, 'as');
  const deviceDir = join(root, 'lock');
  const errors: string[] = [];
  const quiet: Io = { out: () => {}, err: (line) => errors.push(line), progress: () => {}, isTTY: false, now: () => Date.now() / 1000 };
  if ((await provision(['as', 'init', '--out', asDir], quiet)) !== 0) throw new Error('demo: could not create the AS keys: ' + errors.join('; '));
  const args = ['device', '--as', asDir, '--id', 'demo-lock', '--kind', 'lock', '--clock', '--out', deviceDir];
  if ((await provision(args, quiet)) !== 0) throw new Error('demo: could not provision the lock: ' + errors.join('; '));
  return { root, asDir, deviceDir, recordFile: join(deviceDir, 'record.cbor') };
}
