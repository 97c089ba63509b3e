/**
 * Storage on Node: a directory of files, one per key. A write goes to a temporary file, is
 * fsynced, renamed over the old file (atomic on POSIX), and the directory is fsynced, so after
 * a power loss a key holds its old or its new value, never a mix, and a write that returned is
 * durable (what Appendix B.1.1 of RFC 8613 relies on for sequence numbers).
 */
import {
  closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../errors.ts';
import type { Storage } from '../../storage.ts';

/** Keys become file names: [A-Za-z0-9._-] kept, every other character as %XX (UTF-16 unit as %uXXXX). */
function fileName(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) fail('storage_failed', 'bad storage key');
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (/[A-Za-z0-9_-]/.test(c) || (c === '.' && i > 0)) out += c;
    else {
      const code = key.charCodeAt(i);
      out += code < 256 ? '%' + code.toString(16).padStart(2, '0') : '%u' + code.toString(16).padStart(4, '0');
    }
  }
  return out + '.bin';
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as { code?: string }).code : undefined;
}

export class FileStorage implements Storage {
  private tempCounter = 0;

  constructor(readonly directory: string) {
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
    } catch {
      fail('storage_failed', 'cannot create the storage directory');
    }
  }

  read(key: string): Uint8Array | null {
    try {
      return new Uint8Array(readFileSync(join(this.directory, fileName(key))));
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return null;
      return fail('storage_failed', 'cannot read a stored value');
    }
  }

  write(key: string, value: Uint8Array): void {
    const target = join(this.directory, fileName(key));
    const temp = join(this.directory, '.tmp-' + process.pid + '-' + this.tempCounter++);
    try {
      const fd = openSync(temp, 'w', 0o600);
      try {
        let written = 0;
        while (written < value.length) written += writeSync(fd, value, written, value.length - written);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, target);
      this.syncDirectory();
    } catch {
      try {
        unlinkSync(temp);
      } catch {
        // already renamed or never created
      }
      fail('storage_failed', 'cannot write a stored value');
    }
  }

  remove(key: string): void {
    try {
      unlinkSync(join(this.directory, fileName(key)));
      this.syncDirectory();
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') fail('storage_failed', 'cannot remove a stored value');
    }
  }

  /** Makes the rename itself durable. */
  private syncDirectory(): void {
    const fd = openSync(this.directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
