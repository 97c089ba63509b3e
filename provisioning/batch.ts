/**
 * `batch`: the manufacturing line's mode. Provisions a list of devices into OUT/SERIAL/
 * (keystore.cbor, record.cbor) and appends one manifest line per device.
 *
 * Crash safety and resumption. Each device is written into OUT/.tmp-SERIAL (files fsynced),
 * renamed to OUT/SERIAL in one step (and OUT fsynced), and only then its manifest line is
 * appended and fsynced. A rerun with the same arguments reconciles before going on:
 * - an interrupted manifest line is cut off;
 * - a serial in the manifest is done (its directory must exist);
 * - a serial with a complete directory but no manifest line (the crash fell between rename
 *   and append) gets its line from the files on disk — its keys are kept, not remade;
 * - leftover .tmp- directories are removed and those devices made anew.
 * So no device is made twice and none is skipped. OUT/batch.json pins the device list (and
 * the AS): a rerun with other settings is refused rather than mixed in.
 */
import { join } from 'node:path';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { KEYSTORE_MAGIC, parseKeystore } from '../device/runtime/keystore.ts';
import { toHex } from '../device/codec/bytes.ts';
import type { AnchorsFile } from './as-file.ts';
import {
  KEYSTORE_FILE, RECORD_FILE, checkChoice, checkSerial, deviceFiles, provisionDevice, KINDS, MODES, CURVES,
} from './device.ts';
import { openRecord } from './record.ts';
import { openSealed } from './sealed.ts';
import { defaultScopes } from './scopes.ts';
import { MANIFEST_FILE, manifestLine, readManifest, truncateManifest } from './manifest.ts';
import type { ManifestEntry } from './manifest.ts';
import { Progress } from './progress.ts';
import {
  PUBLIC_MODE, SECRET_MODE, appendDurable, ensureDirectory, exists, isDirectory, readBytes, removeTree, syncDirectory,
  writeFileAtomic, writeFileDurable,
} from './files.ts';
import { CliError, failure, usage } from './io.ts';
import type { Io } from './io.ts';

export const PLAN_FILE = 'batch.json';
const TEMP_PREFIX = '.tmp-';
const MAX_DEVICES = 1000000;

export interface PlannedDevice {
  serial: string;
  kind: string;
  mode: string;
  clock: boolean;
  curve: string;
  audience: string;
}

export interface Defaults {
  kind: string;
  mode: string;
  clock: boolean | undefined;
  curve: string;
}

function planned(serial: string, kind: string, mode: string, clock: boolean | undefined, curve: string, audience: string | undefined, where: string): PlannedDevice {
  checkSerial(serial, where + ' serial');
  checkChoice(kind, KINDS, where + ' kind');
  checkChoice(mode, MODES, where + ' mode');
  if (CURVES[curve] === undefined) usage(where + ' curve must be X25519 or P-256');
  return { serial, kind, mode, clock: clock === undefined ? kind === 'lock' : clock, curve, audience: audience || serial };
}

/** Serials PREFIX000001 ... for --count. */
export function countedDevices(count: number, prefix: string, d: Defaults): PlannedDevice[] {
  const width = Math.max(6, String(count).length);
  const out: PlannedDevice[] = [];
  for (let i = 1; i <= count; i++) out.push(planned(prefix + String(i).padStart(width, '0'), d.kind, d.mode, d.clock, d.curve, undefined, '--prefix'));
  return out;
}

function parseClock(v: unknown, where: string): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === true || v === 'true' || v === 'yes' || v === '1') return true;
  if (v === false || v === 'false' || v === 'no' || v === '0') return false;
  return usage(where + ': clock must be true or false');
}

/**
 * A serials file: .json — an array of serials or of {serial, kind?, mode?, clock?, audience?};
 * .csv — one serial a line, or a header line naming the columns serial,kind,mode,clock,audience.
 */
export function fileDevices(path: string, text: string, d: Defaults): PlannedDevice[] {
  let out: PlannedDevice[];
  if (path.endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return usage(path + ' is not JSON');
    }
    if (!Array.isArray(json)) return usage(path + ' must hold a JSON array');
    out = json.map((e, i) => {
      const where = path + ' item ' + (i + 1);
      if (typeof e === 'string') return planned(e, d.kind, d.mode, d.clock, d.curve, undefined, where);
      if (typeof e !== 'object' || e === null || typeof e.serial !== 'string') return usage(where + ' has no serial');
      return planned(e.serial, e.kind ?? d.kind, e.mode ?? d.mode, parseClock(e.clock ?? d.clock, where), e.curve ?? d.curve, e.audience, where);
    });
  } else if (path.endsWith('.csv')) {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
    let columns = ['serial'];
    if (lines.length > 0 && /(^|,)\s*serial\s*(,|$)/i.test(lines[0])) columns = lines.shift()!.split(',').map((c) => c.trim().toLowerCase());
    const known = ['serial', 'kind', 'mode', 'clock', 'audience', 'curve'];
    for (const c of columns) if (!known.includes(c)) usage(path + ': unknown column ' + JSON.stringify(c) + ' (' + known.join(', ') + ')');
    out = lines.map((line, i) => {
      const cells = line.split(',').map((c) => c.trim());
      const get = (name: string) => { const k = columns.indexOf(name); return k >= 0 && cells[k] !== '' ? cells[k] : undefined; };
      const where = path + ' line ' + (i + 1);
      return planned(get('serial') ?? cells[0], get('kind') ?? d.kind, get('mode') ?? d.mode, parseClock(get('clock') ?? d.clock, where),
        get('curve') ?? d.curve, get('audience'), where);
    });
  } else return usage('--serials must name a .csv or .json file');
  if (out.length === 0) usage(path + ' lists no serials');
  if (out.length > MAX_DEVICES) usage(path + ' lists more than ' + MAX_DEVICES + ' serials');
  const seen = new Set<string>();
  for (const p of out) {
    if (seen.has(p.serial)) usage(path + ' lists ' + p.serial + ' twice');
    seen.add(p.serial);
  }
  return out;
}

// ------------------------------------------------------------------ the run

interface Plan {
  version: 1;
  as: string;
  devices: PlannedDevice[];
}

/** Writes OUT/batch.json on the first run; on a rerun it must be the same plan. */
function pinPlan(out: string, plan: Plan): void {
  const path = join(out, PLAN_FILE);
  const text = JSON.stringify(plan);
  if (exists(path)) {
    let old: string;
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      return failure('cannot read ' + path);
    }
    if (old !== text) failure(out + ' holds a batch with other settings or another AS (' + path + '): rerun with the same arguments, or use another --out');
    return;
  }
  writeFileAtomic(path, new Uint8Array(Buffer.from(text, 'utf8')), PUBLIC_MODE);
}

function entryFor(p: PlannedDevice, record: Uint8Array): ManifestEntry {
  return {
    serial: p.serial, audience: p.audience, kind: p.kind, mode: p.mode, clock: p.clock,
    keystore: p.serial + '/' + KEYSTORE_FILE, recordFile: p.serial + '/' + RECORD_FILE,
    record: Buffer.from(record).toString('base64'),
  };
}

/** Checks a device directory left by an interrupted run; the record bytes for its manifest line. */
function recover(dir: string, p: PlannedDevice, asId: Uint8Array, provider: CryptoProvider): Uint8Array {
  const sha = (d: Uint8Array) => provider.sha256(d);
  const ksPath = join(dir, KEYSTORE_FILE);
  const recPath = join(dir, RECORD_FILE);
  const ks = parseKeystore(openSealed(readBytes(ksPath, 'device keystore'), KEYSTORE_MAGIC, ksPath, sha).payload);
  const recordBytes = readBytes(recPath, 'device record');
  const rec = openRecord(recordBytes, sha, recPath);
  if (ks.id !== p.serial || rec.id !== p.serial) failure(dir + ' holds another device');
  if (toHex(rec.asId) !== toHex(asId)) failure(dir + ' was provisioned by another AS');
  return recordBytes;
}

export interface BatchResult {
  made: number;
  recovered: number;
  already: number;
  seconds: number;
}

/** Provisions `devices` into `out`, resuming an interrupted run. */
export function runBatch(devices: PlannedDevice[], anchors: AnchorsFile, out: string, provider: CryptoProvider, io: Io): BatchResult {
  ensureDirectory(out);
  pinPlan(out, { version: 1, as: toHex(anchors.id), devices });
  const manifestPath = join(out, MANIFEST_FILE);
  const state = readManifest(manifestPath);
  if (state.completeBytes < state.totalBytes) {
    truncateManifest(manifestPath, state.completeBytes);
    io.err('ace-provision batch: dropped an interrupted manifest line');
  }
  const wanted = new Set(devices.map((d) => d.serial));
  const done = new Set<string>();
  for (const e of state.entries) {
    if (!wanted.has(e.serial)) failure(manifestPath + ' lists ' + e.serial + ', which this batch does not');
    if (done.has(e.serial)) failure(manifestPath + ' lists ' + e.serial + ' twice');
    if (!isDirectory(join(out, e.serial))) failure(manifestPath + ' lists ' + e.serial + ' but ' + join(out, e.serial) + ' is missing');
    done.add(e.serial);
  }
  for (const name of readdirSync(out)) if (name.startsWith(TEMP_PREFIX)) removeTree(join(out, name));

  const started = Date.now();
  const progress = new Progress(io, devices.length);
  const result: BatchResult = { made: 0, recovered: 0, already: done.size, seconds: 0 };
  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  process.on('SIGINT', onSigint);
  try {
    let count = 0;
    for (const p of devices) {
      if (done.has(p.serial)) continue;
      if (interrupted) throw new CliError('interrupted after ' + (result.made + result.recovered) + ' new device(s); rerun the same command to continue', 130);
      if (io.stopAfter !== undefined && result.made >= io.stopAfter) throw new CliError('stopped after ' + result.made + ' new device(s) (test hook)', 130);
      const dir = join(out, p.serial);
      let recordBytes: Uint8Array;
      let how: string;
      if (exists(dir)) {
        recordBytes = recover(dir, p, anchors.id, provider);
        result.recovered++;
        how = 'recovered';
      } else {
        const made = provisionDevice({
          id: p.serial, kind: p.kind, mode: p.mode, hasClock: p.clock, curve: p.curve, audience: p.audience, scopes: defaultScopes(p.kind),
        }, anchors, provider, io.now());
        const files = deviceFiles(made, provider);
        const temp = join(out, TEMP_PREFIX + p.serial);
        ensureDirectory(temp);
        writeFileDurable(join(temp, KEYSTORE_FILE), files.keystore, SECRET_MODE);
        writeFileDurable(join(temp, RECORD_FILE), files.record, SECRET_MODE);
        syncDirectory(temp);
        renameSync(temp, dir);
        syncDirectory(out);
        recordBytes = files.record;
        result.made++;
        how = 'provisioned';
      }
      appendDurable(manifestPath, manifestLine(entryFor(p, recordBytes)));
      done.add(p.serial);
      count = done.size;
      progress.update(count, p.serial, how);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress.finish();
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
