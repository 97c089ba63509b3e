/**
 * batch: 1000 devices in reasonable time; resumable after a stop at any point (a test hook
 * after K devices, a crash between rename and manifest append, a torn manifest line, a
 * killed child process): no device made twice, none skipped, every record valid.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeProvider } from '../../device/crypto/node/provider.ts';
import { openKeystore, parseKeystore } from '../../device/runtime/keystore.ts';
import { openRecord } from '../../provisioning/record.ts';
import { readManifest } from '../../provisioning/manifest.ts';
import { assertOneLineFailure, cli, tempDir } from './helpers.ts';

const provider = nodeProvider();
const sha = (d: Uint8Array) => provider.sha256(d);
const BIN = new URL('../../bin/ace-provision.js', import.meta.url).pathname;

async function makeAs(t: Parameters<typeof tempDir>[0]): Promise<{ root: string; as: string }> {
  const root = tempDir(t);
  const as = join(root, 'as');
  t.is((await cli(['as', 'init', '--out', as])).code, 0);
  return { root, as };
}

function serials(n: number): string[] {
  return Array.from({ length: n }, (_, i) => 'SN-' + String(i + 1).padStart(6, '0'));
}

/** Every device listed once, in order, its files on disk valid and matching its manifest line. */
function checkBatch(t: Parameters<typeof tempDir>[0], out: string, expected: string[]): void {
  const m = readManifest(join(out, 'manifest.jsonl'));
  t.is(m.completeBytes, m.totalBytes, 'no torn line');
  t.deepEqual(m.entries.map((e) => e.serial), expected, 'each device once, none skipped');
  const dirs = readdirSync(out).filter((f) => !f.endsWith('.json') && !f.endsWith('.jsonl'));
  t.deepEqual(dirs.sort(), expected.slice().sort(), 'no stray or temp directories');
  const ids = new Set<string>();
  for (const e of m.entries) {
    const fromManifest = new Uint8Array(Buffer.from(e.record, 'base64'));
    const onDisk = new Uint8Array(readFileSync(join(out, e.recordFile)));
    if (Buffer.compare(fromManifest, onDisk) !== 0) t.fail(e.serial + ': manifest record differs from the file');
    const rec = openRecord(onDisk, sha, e.serial);
    const ks = parseKeystore(openKeystore(new Uint8Array(readFileSync(join(out, e.keystore))), sha));
    if (rec.id !== e.serial || ks.id !== e.serial) t.fail(e.serial + ': ids differ');
    if (Buffer.compare(Buffer.from(rec.sharedKeys[0].k!), Buffer.from(ks.symmetricKeys[0].k!)) !== 0) t.fail(e.serial + ': keys differ');
    ids.add(Buffer.from(ks.symmetricKeys[0].k!).toString('hex'));
  }
  t.is(ids.size, expected.length, 'every device has keys of its own');
}

test('batch --count 1000 completes in reasonable time, with a valid manifest', async (t) => {
  const { root, as } = await makeAs(t);
  const out = join(root, 'line');
  const started = Date.now();
  const r = await cli(['batch', '--as', as, '--count', '1000', '--out', out]);
  const seconds = (Date.now() - started) / 1000;
  t.is(r.code, 0, r.err);
  t.log('batch --count 1000: ' + seconds.toFixed(2) + ' s');
  t.true(seconds < 60);
  t.regex(r.out, /SN-000001 provisioned \(1\/1000\)/, 'plain lines when not a TTY');
  t.regex(r.out, /batch: 1000 device\(s\) in .* \(1000 provisioned now, 0 recovered, 0 done before\)/);
  checkBatch(t, out, serials(1000));
  const again = await cli(['batch', '--as', as, '--count', '1000', '--out', out]);
  t.is(again.code, 0);
  t.regex(again.out, /\(0 provisioned now, 0 recovered, 1000 done before\)/);
});

test('a batch stopped after K devices continues where it stopped', async (t) => {
  const { root, as } = await makeAs(t);
  const out = join(root, 'line');
  const args = ['batch', '--as', as, '--count', '300', '--out', out, '--kind', 'sensor'];
  const stopped = await cli(args, { stopAfter: 137 });
  assertOneLineFailure(t, stopped, /stopped after 137 new device\(s\)/, 130);
  t.is(readManifest(join(out, 'manifest.jsonl')).entries.length, 137);
  const stoppedAgain = await cli(args, { stopAfter: 50 });
  t.is(stoppedAgain.code, 130);
  const done = await cli(args);
  t.is(done.code, 0, done.err);
  t.regex(done.out, /\(113 provisioned now, 0 recovered, 187 done before\)/);
  checkBatch(t, out, serials(300));
});

test('a crash between the directory rename and the manifest append keeps that device\'s keys; a torn line is dropped', async (t) => {
  const { root, as } = await makeAs(t);
  const out = join(root, 'line');
  const args = ['batch', '--as', as, '--count', '20', '--out', out];
  t.is((await cli(args, { stopAfter: 10 })).code, 130);
  const manifest = join(out, 'manifest.jsonl');
  const lines = readFileSync(manifest, 'utf8').split('\n').filter((l) => l);
  // device 10 made it to disk, its manifest line did not; device 9's line was torn
  writeFileSync(manifest, lines.slice(0, 8).join('\n') + '\n' + lines[8].slice(0, 40));
  const keptRecord = readFileSync(join(out, 'SN-000010', 'record.cbor'));
  // and a temp directory of device 11 was left half-written
  mkdirSync(join(out, '.tmp-SN-000011'));
  writeFileSync(join(out, '.tmp-SN-000011', 'keystore.cbor'), 'partial');
  const r = await cli(args);
  t.is(r.code, 0, r.err);
  t.regex(r.err, /dropped an interrupted manifest line/);
  t.regex(r.out, /SN-000009 recovered/);
  t.regex(r.out, /SN-000010 recovered/);
  t.regex(r.out, /\(10 provisioned now, 2 recovered, 8 done before\)/);
  t.deepEqual(readFileSync(join(out, 'SN-000010', 'record.cbor')), keptRecord, 'keys not remade');
  checkBatch(t, out, serials(20));
});

test('a batch killed half way (SIGKILL of the process) completes on rerun', async (t) => {
  const { root, as } = await makeAs(t);
  const out = join(root, 'line');
  const args = [BIN, 'batch', '--as', as, '--count', '2000', '--out', out];
  const manifest = join(out, 'manifest.jsonl');
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let killedAt = -1;
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const n = existsSync(manifest) ? readFileSync(manifest, 'utf8').split('\n').length - 1 : 0;
    if (n >= 300) {
      child.kill('SIGKILL');
      killedAt = n;
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const code = await exited;
  t.log('killed after ' + killedAt + ' manifest lines (exit ' + code + ')');
  t.true(killedAt > 0 && killedAt < 2000, 'the kill landed half way');
  const r = await cli(['batch', '--as', as, '--count', '2000', '--out', out]);
  t.is(r.code, 0, r.err);
  checkBatch(t, out, serials(2000));
});

test('a progress bar on a terminal; serials from CSV and JSON', async (t) => {
  const { root, as } = await makeAs(t);
  const tty = await cli(['batch', '--as', as, '--count', '5', '--out', join(root, 'tty')], { tty: true });
  t.is(tty.code, 0);
  t.regex(tty.out, /\r\[#{30}\] 5\/5 100%/);
  t.notRegex(tty.out, /SN-000001 provisioned/);
  const csv = join(root, 'serials.csv');
  writeFileSync(csv, 'serial,kind,mode,clock,audience\nDOOR-1,lock,connected,,door-one\nWARD-1,sensor,,false,\n# a comment\nWARD-2,sensor,,true,\n');
  const r = await cli(['batch', '--as', as, '--serials', csv, '--out', join(root, 'csv')]);
  t.is(r.code, 0, r.err);
  checkBatch(t, join(root, 'csv'), ['DOOR-1', 'WARD-1', 'WARD-2']);
  const m = readManifest(join(root, 'csv', 'manifest.jsonl')).entries;
  t.deepEqual(m.map((e) => [e.kind, e.mode, e.clock, e.audience]), [
    ['lock', 'connected', true, 'door-one'], ['sensor', 'disconnected', false, 'WARD-1'], ['sensor', 'disconnected', true, 'WARD-2'],
  ]);
  const plain = join(root, 'plain.csv');
  writeFileSync(plain, 'A-1\nA-2\n');
  t.is((await cli(['batch', '--as', as, '--serials', plain, '--out', join(root, 'plain')])).code, 0);
  checkBatch(t, join(root, 'plain'), ['A-1', 'A-2']);
  const json = join(root, 'serials.json');
  writeFileSync(json, JSON.stringify(['J-1', { serial: 'J-2', kind: 'sensor', curve: 'P-256' }]));
  t.is((await cli(['batch', '--as', as, '--serials', json, '--out', join(root, 'json')])).code, 0);
  checkBatch(t, join(root, 'json'), ['J-1', 'J-2']);
});

test('batch: wrong uses', async (t) => {
  const { root, as } = await makeAs(t);
  const out = join(root, 'b');
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out]), /either --count N or --serials FILE/, 2);
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out, '--count', '0']), /--count must be a whole number from 1/, 2);
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out, '--count', '3', '--kind', 'toaster']), /--kind must be lock or sensor/, 2);
  const dup = join(root, 'dup.csv');
  writeFileSync(dup, 'X-1\nX-1\n');
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out, '--serials', dup]), /lists X-1 twice/, 2);
  writeFileSync(dup, 'serial,colour\nX-1,red\n');
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out, '--serials', dup]), /unknown column "colour"/, 2);
  writeFileSync(join(root, 'list.txt'), 'X-1');
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out, '--serials', join(root, 'list.txt')]), /\.csv or \.json/, 2);
  writeFileSync(dup, 'ok-1\nbad/serial\n');
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out, '--serials', dup]), /line 2 serial "bad\/serial" is not a serial/, 2);
  t.false(existsSync(out), 'nothing written');
  t.is((await cli(['batch', '--as', as, '--out', out, '--count', '3'])).code, 0);
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out, '--count', '4']), /holds a batch with other settings/, 1);
  const other = join(root, 'as2');
  t.is((await cli(['as', 'init', '--out', other])).code, 0);
  assertOneLineFailure(t, await cli(['batch', '--as', other, '--out', out, '--count', '3']), /or another AS/, 1);
  appendFileSync(join(out, 'manifest.jsonl'), '{not json}\n');
  assertOneLineFailure(t, await cli(['batch', '--as', as, '--out', out, '--count', '3']), /manifest\.jsonl: line 4 is corrupted/, 1);
});
