/** Loads the RFC test vectors from ../shared/vectors (beside the repository). */
import { readFileSync } from 'node:fs';
import { fromHex } from '../../device/codec/bytes.ts';

export const VECTORS_DIR = new URL('../../../shared/vectors/', import.meta.url);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadVectors(file: string): any {
  return JSON.parse(readFileSync(new URL(file, VECTORS_DIR), 'utf8'));
}

export const hex = fromHex;
