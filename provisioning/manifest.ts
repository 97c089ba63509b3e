/**
 * The batch manifest, OUT/manifest.jsonl: one JSON line per provisioned device, appended
 * (and fsynced) after the device's directory is complete:
 *   {"serial", "audience", "kind", "mode", "clock", "keystore": "SERIAL/keystore.cbor",
 *    "record": base64 of the sealed record}
 * A crash can leave at most one incomplete last line; reading drops it (and the file is cut
 * back to its last complete line before anything is appended).
 */
import { closeSync, fsyncSync, openSync, ftruncateSync, readFileSync } from 'node:fs';
import { failure } from './io.ts';

export const MANIFEST_FILE = 'manifest.jsonl';

export interface ManifestEntry {
  serial: string;
  audience: string;
  kind: string;
  mode: string;
  clock: boolean;
  keystore: string;
  recordFile: string;
  /** base64 of the sealed record. */
  record: string;
}

export function manifestLine(e: ManifestEntry): string {
  return JSON.stringify({
    serial: e.serial, audience: e.audience, kind: e.kind, mode: e.mode, clock: e.clock,
    keystore: e.keystore, recordFile: e.recordFile, record: e.record,
  }) + '\n';
}

export interface ManifestState {
  entries: ManifestEntry[];
  /** Bytes of complete lines; anything after is an interrupted append. */
  completeBytes: number;
  totalBytes: number;
}

function isEntry(v: unknown): v is ManifestEntry {
  const o = v as ManifestEntry;
  return typeof o === 'object' && o !== null && typeof o.serial === 'string' && typeof o.record === 'string' &&
    typeof o.keystore === 'string' && typeof o.kind === 'string';
}

/** Reads a manifest; a missing one is empty. A corrupted complete line is a failure. */
export function readManifest(path: string): ManifestState {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return { entries: [], completeBytes: 0, totalBytes: 0 };
    return failure('cannot read ' + path);
  }
  const end = buf.lastIndexOf(0x0a) + 1;
  const lines = buf.subarray(0, end).toString('utf8').split('\n').filter((l) => l.length > 0);
  const entries = lines.map((line, i) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return failure(path + ': line ' + (i + 1) + ' is corrupted');
    }
    if (!isEntry(v)) return failure(path + ': line ' + (i + 1) + ' is not a manifest entry');
    return v;
  });
  return { entries, completeBytes: end, totalBytes: buf.length };
}

/** Cuts an interrupted last line off, so the next append starts a clean line. */
export function truncateManifest(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
