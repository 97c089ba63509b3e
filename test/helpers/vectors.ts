/** Loads the RFC test vectors from ../shared/vectors (beside the repository). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../device/codec/bytes.ts';

export const VECTORS_DIR = new URL('../../../shared/vectors/', import.meta.url);

/** Why the vectors cannot be read, or null when their folder is there. */
export function missingVectors(): string | null {
  if (existsSync(VECTORS_DIR)) return null;
  return `RFC test vectors not found at ${fileURLToPath(VECTORS_DIR)}: the tests read ../shared/vectors beside this repository, as CI lays it out`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadVectors(file: string): any {
  const missing = missingVectors();
  if (missing !== null) throw new Error(missing);
  return JSON.parse(readFileSync(new URL(file, VECTORS_DIR), 'utf8'));
}

export const hex = fromHex;
