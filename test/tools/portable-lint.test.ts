/** The portable-core lint on small snippets: each rule fires on what Espruino fails on, and only there. */
import test from 'ava';
import { RULES, espruinoFloat, format, lintSource, lintSources, portableFiles } from '../../tools/portable-lint.ts';

/** [rule, snippets that must be reported under that rule, snippets that must be clean]. */
const CASES: Array<[string, string[], string[]]> = [
  [
    'import',
    ["import { readFileSync } from 'node:fs';", "import { encode } from 'cbor-x';", "export { x } from 'pkg';", "import type { Options } from 'cbor-x';", "const m = import('./x.ts');"],
    ["import { fail } from './errors.ts';", "import type { CborValue } from '../codec/cbor.ts';"],
  ],
  [
    'node-global',
    ['const b = Buffer.from([1]);', "const fs = require('fs');", 'const v = process.env.X;', 'setImmediate(() => 0);'],
    ['const Buffer = 1; const b = Buffer + 1;', 'function f(process: number) { return process; }', 'const o = { Buffer: 1 }; const v = o.Buffer;'],
  ],
  [
    'destructuring',
    ['const { a } = { a: 1 };', 'const [x, y] = [1, 2];', 'function f({ a }: { a: number }) { return a; }', 'let a = 0, b = 0; [a, b] = [b, a];', 'for (const [k, v] of [[1, 2]]) k + v;', 'try { f(); } catch ({ message }) { message; } function f() {}'],
    ['const a = { a: 1 }.a;', 'const x = [1, 2][0];'],
  ],
  [
    'spread-rest',
    ['const a = [...[1, 2]];', 'const o = { ...{ a: 1 } };', 'Math.max(...[1, 2]);', 'function f(...r: number[]) { return r; }', 'new Array(...[1]);'],
    ['const a = [1, 2].concat([3]);', 'function f(a: number, b: number) { return a + b; }'],
  ],
  ['default-param', ['function f(a = 1) { return a; }', 'const g = (b = 2) => b;', 'class C { m(x = 0) { return x; } }'], ['function f(a?: number) { return a === undefined ? 1 : a; }']],
  ['async', ['async function f() { return 1; }', 'const g = async () => 1;', 'class C { async m() { await 0; } }'], ['function f() { return Promise.resolve(1).then((v) => v); }']],
  ['generator', ['function* g() { yield 1; }', 'class C { *m() { yield 1; } }'], ['function g() { return [1]; }']],
  ['optional-chaining', ['const o: { a?: { b: number } } = {}; const v = o.a?.b;', 'const f: (() => void) | undefined = undefined; f?.();', 'const a: number[] | undefined = []; const v = a?.[0];'], ['const o: { a?: { b: number } } = {}; const v = o.a && o.a.b;', 'const v = null ?? 1;']],
  ['exponent', ['const a = 2 ** 10;', 'let b = 2; b **= 3;'], ['const a = 2 * 2 * 2;']],
  ['logical-assignment', ['let a: number | null = null; a ??= 1;', 'let b = 0; b ||= 1;', 'let c = 1; c &&= 2;'], ['let a: number | null = null; a = a === null ? 1 : a;']],
  ['bigint', ['const a = 1n;', 'const b = BigInt(1);'], ['type T = bigint; const x: T | number = 1;']],
  [
    'missing-global',
    ['const m = new Map();', 'const s = new Set([1]);', "const y = Symbol('x');", 'const e = new TextEncoder();', 'const d = new TextDecoder();', 'const w = new WeakMap();', 'const r = Reflect.ownKeys({});', 'const p = new Proxy({}, {});', 'function f(e: unknown) { return e instanceof TypeError; }'],
    ['type M = Map<string, number>;', 'let m: Set<number> | undefined;', 'class Map2 {} const m = new Map2();', 'const o = { Map: 1 }; const v = o.Map;', 'function f(x: ReadonlyMap<string, number>) { return x; }'],
  ],
  [
    'missing-member',
    [
      'const a = Math.imul(2, 3);', 'const b = Array.from([1]);', 'const c = Uint8Array.from([1]);', 'const c2 = Uint16Array.of(1);', 'const d = Number.isInteger(1);',
      'const e = Number.MAX_SAFE_INTEGER;', 'const e2 = Number.MIN_SAFE_INTEGER;', 'const e3 = Number.EPSILON;', 'const f = Object.freeze({});', 'const g = ArrayBuffer.isView(new Uint8Array(1));',
      'const h = Math.pow(2, 10);', 'const i = Math.log2(8);', 'const j = Math.trunc(1.5);', 'const k = Number.isFinite(1);',
      'const u = new Uint8Array(4).slice(1);', 'const a2 = [1, 2].at(-1);', 'const a3 = [[1]].flat();', 'const s = "abc".at(0);', 'const s2 = "abc".codePointAt(0);',
      'const b2 = new ArrayBuffer(4).slice(0, 2);', "const j2 = JSON.parse('1', (k, v) => v);", 'const u2 = new Uint8Array(2).filter((x) => x > 0);',
      "const j3 = JSON.stringify({ a: 1 }, ['a']);", 'const p = Promise.race([Promise.resolve(1)]);',
    ],
    ['const a = Math.floor(1.5);', 'const b = [1, 2].slice(1);', 'const c = new Uint8Array(4).subarray(1);', 'const d = new Uint8Array(new Uint8Array(4).subarray(1));', 'const e = isFinite(1);', "const f = JSON.parse('1');", 'const g = "abc".slice(1);', 'const j = JSON.stringify({ a: 1 }, null, 2);', 'const h = { pow: (a: number) => a }; h.pow(1);'],
  ],
  [
    'extends-builtin',
    ['class E extends Error {}', 'class L extends Array<number> {}', 'class U extends Uint8Array {}', 'class T extends TypeError {}'],
    ['class A {} class B extends A {}', 'class CoreError { constructor(readonly kind: string) {} }'],
  ],
  ['extends-expression', ['function mk() { return class {}; } class Q extends mk() {}'], ['class A {} class B extends A {}']],
  [
    'class-depth',
    ['class A {} class B extends A {} class C extends B {}'],
    ['class A {} class B extends A {} class D extends A {}', 'class A { m() { return 1; } } class B extends A { m() { return super.m(); } }'],
  ],
  [
    'class-self-reference',
    ['class A { static make() { return new A(); } }', 'class A { same(x: unknown) { return x instanceof A; } }', 'const K = class K2 { static m() { return new K2(); } };'],
    ['class A { static make() { return new this(); } }', 'class A { copy(): A { return make(); } } function make(): A { return new A(); }'],
  ],
  ['inherited-static', ['class A { static s() { return 1; } } class B extends A {} B.s();', 'class A { static k = 1; } class B extends A {} const v = B.k;'], ['class A { static s() { return 1; } } class B extends A {} A.s();', 'class B { static s() { return 1; } } B.s();']],
  ['computed-key', ["const k = 'a'; const o = { [k]: 1 };", "class C { ['m']() { return 1; } }"], ["const o = { a: 1, 'b-c': 2, 3: 4 };", "const k = 'a'; const o: { [key: string]: number } = {}; o[k] = 1;"]],
  ['arrow-this', ['class C { n = 1; f(): () => number { return () => this.n; } }'], ['class C { n = 1; f(): () => number { const self = this; return () => self.n; } }', 'const f = (x: number) => x + 1;']],
  ['label', ['outer: for (let i = 0; i < 2; i++) { for (let j = 0; j < 2; j++) { if (j) continue outer; } }'], ['for (let i = 0; i < 2; i++) { if (i) break; }']],
  ['private-field', ['class C { #x = 1; get() { return this.#x; } }'], ['class C { private x = 1; get() { return this.x; } }']],
  ['static-block', ['class C { static x: number; static { C.x = 1; } }'], ['class C { static x = 1; }']],
  ['reserved-member', ['class C { delete(k: number) { return k; } }', 'class C { default() { return 1; } }', 'class C { catch() { return 1; } }', 'class C { static() { return 1; } }'], ['class C { declare delete: (k: number) => boolean; } C.prototype.delete = function (k: number) { return k > 0; };', 'class C { get(k: number) { return k; } set(k: number) { return k; } has() { return true; } }', 'const o = { delete: 1, default: 2 };']],
  [
    'for-of',
    ["for (const c of 'abc') c;", 'for (const e of new Set<number>()) e;', 'const m: Map<string, number> = null!; for (const e of m.entries()) e;', 'function f(x: Iterable<number>) { for (const e of x) e; }'],
    ['for (const e of [1, 2]) e;', 'for (const b of new Uint8Array(2)) b;', 'const t: [number, string] = [1, "a"]; for (const e of t) e;', 'function f(a: ReadonlyArray<number> | number[]) { for (const e of a) e; }'],
  ],
  [
    'loop-closure',
    ['const fs: Array<() => number> = []; for (let i = 0; i < 3; i++) fs.push(() => i);', 'const fs: Array<() => number> = []; for (const x of [1, 2]) fs.push(function () { return x; });', "const fs: Array<() => string> = []; for (const k in { a: 1 }) fs.push(() => k);", 'for (let i = 0; i < 3; i++) [1].forEach(() => i);'],
    [
      'const fs: Array<() => number> = []; for (let i = 0; i < 3; i++) (function (j: number) { fs.push(() => j); })(i);',
      'const fs: Array<() => number> = []; for (let i = 0; i < 3; i++) { const j = i; fs.push((x?: number) => 1); }',
      'const fs: Array<() => number> = []; for (var i = 0; i < 3; i++) fs.push(() => 1);',
      'for (let i = 0; i < 3; i++) { const f = (function () { return i; })(); }',
    ],
  ],
  ['tagged-template', ['function t(s: TemplateStringsArray) { return s[0]; } const v = t`a`;'], ['const x = 1; const v = `a${x}`;']],
  [
    'regex',
    ['const r = /colou?r/;', 'const r = /a{2,3}/;', 'const r = /(?:ab)+/;', 'const r = /(?<=a)b/;', 'const r = /\\bword\\b/;', 'const r = /(a)\\1/;', 'const r = /a/m;', 'const r = /a/s;', 'const r = /a/y;', 'const r = /a/u;', 'const r = /\\u0041/;', "const r = new RegExp('a?');", 'const p = "a"; const r = new RegExp(p);'],
    ['const r = /^[0-9a-f]+$/i;', 'const r = /\\d+\\.\\d*/g;', 'const r = /^(ab|cd)[^x]*$/;', 'const r = /[?{]/;', 'const r = /a\\?b/;', "const r = new RegExp('^a+$', 'g');"],
  ],
  [
    'load-order',
    ['later(); function later() {}', 'const v = f(); function f() { return 1; }', 'function f() { return g(); } const v = f(); function g() { return 1; }', 'function outer() { return inner(); function inner() { return 1; } }', 'const x = y + 1; var y = 1;'],
    ['function later() {} later();', 'function f() { return g(); } function g() { return 1; } const v = f();', 'const h = () => later(); function later() { return 1; }', 'export function a() { return b(); } export function b() { return 1; }', 'class C { m() { return helper(); } } function helper() { return 1; }'],
  ],
  ['length-write', ['const a = [1, 2]; a.length = 0;', 'const a = [1, 2]; a.length -= 1;'], ['const a = [1, 2]; a.splice(0, a.length);', 'const o = { length: 1 }; o.length = 0;']],
  ['arguments-in-arrow', ['function f() { return () => arguments[0]; }'], ['function f() { return arguments.length; }']],
  ['meta-property', ['function F() { return new.target; }', 'const u = import.meta.url;'], ['function F() { return this; }']],
  ['float-literal', ['const a = 0.3;', 'const b = 6.103515625e-5;', 'const c = 3.14159;', 'const d = 1e-7;', 'const e = 1.0e300;'], ['const a = 0.5;', 'const b = 0.1;', 'const c = 1.1;', 'const d = 0.00006103515625;', 'const e = 1e10;', 'const f = 65504.0;', 'const g = 1 / 16384;', 'const h = 0xff;']],
  ['unsafe-integer', ['const a = 9007199254740993;', 'const b = 18446744073709551615;'], ['const a = 9007199254740991;', 'const b = 4294967296;']],
  ['non-ascii-text', ["const s = 'wasser: \u6c34';", "const s = '\\u00e9';", 'const s = `caf\u00e9`;'], ["const s = 'ascii only';", '// comments may say \u00a7 3.3\nconst s = 1;']],
  ['unicode-escape', ["const s = '\\u{41}';"], ["const s = '\\u0041';"]],
];

test('every rule has cases, and every case is reported under its rule', (t) => {
  const covered = new Set(CASES.map((c) => c[0]));
  for (const rule of Object.keys(RULES)) if (rule !== 'decorator') t.true(covered.has(rule), `no case for ${rule}`);
  for (const [rule, bad] of CASES) {
    for (const src of bad) {
      const problems = lintSource(src);
      t.true(problems.some((p) => p.rule === rule), `${rule} not reported for: ${src}\n${problems.map(format).join('\n')}`);
    }
  }
});

test('clean snippets are not reported under the rule they exercise', (t) => {
  for (const [rule, , good] of CASES) {
    for (const src of good) {
      const problems = lintSource(src).filter((p) => p.rule === rule);
      t.deepEqual(problems.map(format), [], `${rule} falsely reported for: ${src}`);
    }
  }
});

test('problems name the file, line, column and rule', (t) => {
  const problems = lintSource('const a = 1;\nconst m = new Map();\n');
  t.is(problems.length, 1);
  t.like(problems[0], { file: 'device/snippet.ts', line: 2, column: 15, rule: 'missing-global' });
  t.regex(format(problems[0]), /^device\/snippet\.ts:2:15 missing-global: Map: /);
});

test('a class chain across files is resolved through the type checker', (t) => {
  const problems = lintSources({
    'device/a.ts': 'export class A {}\nexport class B extends A {}\n',
    'device/c.ts': "import { B } from './a.ts';\nexport class C extends B {}\n",
  });
  t.deepEqual(
    problems.map((p) => `${p.file}:${p.line} ${p.rule}`),
    ['device/c.ts:2 class-depth'],
  );
});

test('a clean module with the allowed constructs has no problems at all', (t) => {
  const src = `
import { fail } from './errors.ts';
export const enum Kind { A = 1, B = 2 }
export class Base { constructor(readonly kind: number) {} get twice(): number { return this.kind * 2; } static make(): Base { return new this(1); } }
export class Sub extends Base { constructor() { super(2); } describe(): string { return \`sub \${this.twice}\`; } }
function helper(xs: number[]): number { let n = 0; for (const x of xs) n += x; return n; }
export const TOTAL = helper([1, 2, 3]);
export function parse(b: Uint8Array): number {
  if (b.length === 0) fail('malformed', 'empty');
  const copy = new Uint8Array(b.subarray(1));
  const fns: Array<() => number> = [];
  for (let i = 0; i < 3; i++) fns.push(make(i));
  return copy.length + (b[0] ?? 0) + fns.length + Math.floor(0.5 + 1 / 16384);
}
function make(i: number): () => number { return () => i; }
try { parse(new Uint8Array(1)); } catch (e) { /* ignored */ }
`;
  const problems = lintSources({ 'device/m.ts': src, 'device/errors.ts': 'export function fail(k: string, m: string): never { throw new Error(k + m); }' });
  t.deepEqual(problems.map(format), []);
});

test("espruinoFloat reproduces the literals measured on Espruino 2v29", (t) => {
  // measured: bits of each literal as Espruino's lexer read it
  const measured: Array<[string, string]> = [
    ['0.1', '3fb999999999999a'], ['1.1', '3ff199999999999a'], ['1.0e+300', '7e37e43c8800759d'], ['6.103515625e-5', '3f0ffffffffffffd'],
    ['0.00006103515625', '3f10000000000000'], ['1e-7', '3e7ad7f29abcaf4a'], ['0.30000000000000004', '3fd3333333333335'],
    ['3.14159', '400921f9f01b866f'], ['1e-300', '01a56e1fc2f8f366'], ['5.960464477539063e-8', '3e70000000000000'],
  ];
  for (const [text, bits] of measured) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(espruinoFloat(text));
    t.is(b.toString('hex'), bits, text);
  }
});

test('the portable core file list leaves out the Node-only directories', (t) => {
  const files = portableFiles(new URL('../..', import.meta.url).pathname).map((f) => f.replace(/.*\/device\//, 'device/'));
  t.true(files.includes('device/codec/cbor.ts'));
  t.true(files.includes('device/hosts/espruino/main.ts'), 'the Espruino host is portable code too');
  t.false(files.some((f) => f.startsWith('device/hosts/node/') || f.startsWith('device/crypto/noble/') || f.startsWith('device/crypto/node/')));
});
