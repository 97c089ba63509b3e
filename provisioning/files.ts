/**
 * Files the way key material needs them: written whole or not at all (temp file, fsync,
 * rename, fsync of the directory), secret ones with mode 0600 in directories with mode 0700,
 * and read with a clear one-line failure for a missing or unreadable file.
 */
import {
  closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { failure } from './io.ts';

export const SECRET_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
export const DIR_MODE = 0o700;

let tempCounter = 0;

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as { code?: string }).code : undefined;
}

/** fsync of a directory, so a rename in it survives a power loss. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** Writes `bytes` to `path` atomically with `mode` (the file appears whole, or not at all). */
export function writeFileAtomic(path: string, bytes: Uint8Array, mode: number): void {
  const dir = dirname(path);
  const temp = join(dir, '.' + basename(path) + '.tmp-' + process.pid + '-' + tempCounter++);
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      writeAll(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    syncDirectory(dir);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // renamed already, or never created
    }
    failure('cannot write ' + path + ' (' + (code(e) || 'error') + ')');
  }
}

/** Writes a new file in a directory that is not yet visible (no rename needed), fsynced. */
export function writeFileDurable(path: string, bytes: Uint8Array, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Appends a line and fsyncs (the manifest). */
export function appendDurable(path: string, text: string): void {
  const fd = openSync(path, 'a', PUBLIC_MODE);
  try {
    writeAll(fd, new Uint8Array(Buffer.from(text, 'utf8')));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates a directory (and its parents) with mode 0700 unless it exists. */
export function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (e) {
    failure('cannot create directory ' + dir + ' (' + (code(e) || 'error') + ')');
  }
  if (!isDirectory(dir)) failure(dir + ' is not a directory');
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function exists(path: string): boolean {
  return existsSync(path);
}

/** Reads a whole file; `what` names it in the failure ("AS key file", "device record"). */
export function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const c = code(e);
    if (c === 'ENOENT') return failure('no ' + what + ' at ' + path);
    if (c === 'EISDIR') return failure(path + ' is a directory, not a ' + what);
    return failure('cannot read ' + path + ' (' + (c || 'error') + ')');
  }
}

/** Refuses to overwrite an existing output unless forced. */
export function checkOverwrite(path: string, force: boolean): void {
  if (!force && existsSync(path)) failure(path + ' exists (use --force to overwrite)');
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
