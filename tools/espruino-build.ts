/**
 * `npm run build:espruino`: bundles device/hosts/espruino/main.ts into one ES2015 IIFE,
 * dist/espruino/ace-device.js, for the Espruino interpreter. Syntax-only minification (no
 * identifier or whitespace minification: those rewrite `s = s + x` into `s += x`, which
 * mangles wide characters on Espruino, see device/codec/bytes.ts). The board's native
 * modules (crypto, Storage, dgram) stay `require` calls. Fails if a Node-only or BigInt
 * dependency (noble, cbor-x, node:) reached the bundle.
 */
import { build } from 'esbuild';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRY = resolve(ROOT, 'device/hosts/espruino/main.ts');
export const BUNDLE = resolve(ROOT, 'dist/espruino/ace-device.js');
/** Node-only code, and what a board cannot use (anchor updates are signed: ace/anchors.ts). */
const FORBIDDEN = ['@noble/', 'cbor-x', 'node:', 'BigInt', 'ace/anchors.ts'];

export async function buildEspruino(out = BUNDLE): Promise<{ path: string; bytes: number }> {
  mkdirSync(dirname(out), { recursive: true });
  const result = await build({
    entryPoints: [ENTRY],
    outfile: out,
    bundle: true,
    format: 'iife',
    target: 'es2015',
    platform: 'neutral',
    minifySyntax: true,
    // whitespace and local names only: neither rewrites an expression, so `s = s + x` (bytes.ts) stays as written
    minifyWhitespace: !process.argv.includes('--readable'),
    minifyIdentifiers: !process.argv.includes('--readable'),
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const bad = inputs.filter((p) => FORBIDDEN.some((f) => p.includes(f)));
  if (bad.length > 0) throw new Error('the Espruino bundle pulled in ' + bad.join(', '));
  return { path: out, bytes: statSync(out).size };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildEspruino().then((r) => {
    process.stdout.write(`${r.path}: ${r.bytes} bytes (${(r.bytes / 1024).toFixed(1)} KB)\n`);
  }, (e: Error) => {
    process.stderr.write(e.message + '\n');
    process.exit(1);
  });
}
