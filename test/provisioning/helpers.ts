/** Running ace-provision in-process with captured output, temp directories, an EDN reader. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { run } from '../../provisioning/cli.ts';
import type { Io } from '../../provisioning/io.ts';
import { CborMap, CborSimple, CborTag, encode } from '../../device/codec/cbor.ts';
import type { CborValue } from '../../device/codec/cbor.ts';

export interface Result {
  code: number;
  out: string;
  err: string;
  /** stderr lines */
  errLines: string[];
}

export interface CliOptions {
  tty?: boolean;
  now?: number;
  stopAfter?: number;
}

export async function cli(args: string[], o: CliOptions = {}): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  let progress = '';
  const io: Io = {
    out: (l) => { out.push(l); },
    err: (l) => { err.push(l); },
    progress: (t) => { progress += t; },
    isTTY: o.tty === true,
    now: () => o.now ?? Date.now() / 1000,
    stopAfter: o.stopAfter,
  };
  const code = await run(args, io);
  return { code, out: out.join('\n') + (progress ? '\n' + progress : ''), err: err.join('\n'), errLines: err };
}

/** A fresh temp directory, removed when the test ends. */
export function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ace-provision-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A failure is one line on stderr, naming the command, with a non-zero exit. */
export function assertOneLineFailure(t: ExecutionContext, r: Result, pattern: RegExp, code?: number): void {
  t.not(r.code, 0, 'exit code');
  if (code !== undefined) t.is(r.code, code);
  t.is(r.errLines.length, 1, 'one line on stderr: ' + r.err);
  t.regex(r.err, /^ace-provision[a-z ]*: /);
  t.regex(r.err, pattern);
}

// ------------------------------------------------------------------ EDN reader (for round trips)

/** Parses a sequence of EDN items as the printer writes them (comments skipped). */
export function parseEdn(text: string): CborValue[] {
  let i = 0;
  const fail = (what: string): never => { throw new Error('EDN: ' + what + ' at ' + i + ': ' + JSON.stringify(text.slice(i, i + 30))); };
  const skip = (): void => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i])) i++;
      if (text[i] === '/') {
        const end = text.indexOf('/', i + 1);
        if (end < 0) fail('unterminated comment');
        i = end + 1;
      } else return;
    }
  };
  const expect = (s: string): void => {
    skip();
    if (!text.startsWith(s, i)) fail('expected ' + s);
    i += s.length;
  };
  const item = (): CborValue => {
    skip();
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if (rest.startsWith('<<')) {
      i += 2;
      const inner = item();
      expect('>>');
      return encode(inner);
    }
    if (rest.startsWith("h'")) {
      const end = text.indexOf("'", i + 2);
      const hex = text.slice(i + 2, end).replace(/\s/g, '');
      i = end + 1;
      return new Uint8Array(Buffer.from(hex, 'hex'));
    }
    if (rest.startsWith('"')) {
      m = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!m) fail('bad string');
      i += m![0].length;
      return JSON.parse(m![0]);
    }
    if (rest.startsWith('[')) {
      i++;
      const out: CborValue[] = [];
      skip();
      if (text[i] === ']') { i++; return out; }
      for (;;) {
        out.push(item());
        skip();
        if (text[i] === ',') { i++; continue; }
        expect(']');
        return out;
      }
    }
    if (rest.startsWith('{')) {
      i++;
      const map = new CborMap();
      skip();
      if (text[i] === '}') { i++; return map; }
      for (;;) {
        const k = item();
        expect(':');
        map.set(k as number | string, item());
        skip();
        if (text[i] === ',') { i++; continue; }
        expect('}');
        return map;
      }
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null], ['undefined', undefined], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as Array<[string, CborValue]>) {
      if (rest.startsWith(word)) { i += word.length; return value; }
    }
    m = /^simple\((\d+)\)/.exec(rest);
    if (m) { i += m[0].length; return new CborSimple(Number(m[1])); }
    m = /^(\d+)\(/.exec(rest);
    if (m) {
      i += m[0].length;
      const inner = item();
      expect(')');
      return new CborTag(Number(m[1]), inner);
    }
    m = /^-?\d+(\.\d+)?(e[+-]?\d+)?/.exec(rest);
    if (m) { i += m[0].length; return Number(m[0]); }
    return fail('unexpected');
  };
  const items: CborValue[] = [];
  skip();
  while (i < text.length) {
    items.push(item());
    skip();
  }
  return items;
}
