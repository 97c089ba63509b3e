/** tools/espruino-check.ts: each construct Espruino 2v29 cannot run is rejected with its location. */
import test from 'ava';
import { checkSource } from '../../tools/espruino-check.ts';

const BAD: [string, string, string][] = [
  ['object destructuring', 'var { a } = o;', 'destructuring'],
  ['array destructuring', 'var [a] = o;', 'destructuring'],
  ['spread', 'f(...xs);', 'spread'],
  ['rest', 'function f(...xs) {}', 'rest'],
  ['default parameter', 'function f(a = 1) {}', 'default'],
  ['generator', 'function* g() { yield 1; }', 'generator'],
  ['computed key', 'var o = { [k]: 1 };', 'computed key'],
  ['label', 'outer: for (;;) break outer;', 'labelled'],
  ['extends Error', 'class E extends Error {}', 'extends Error'],
  ['two-level chain', 'class A {} class B extends A {} class C extends B {}', 'deeper than one level'],
  ['async (not ES2015)', 'async function f() {}', 'not ES2015'],
  ['exponent (not ES2015)', 'var x = 2 ** 3;', 'not ES2015'],
  ['optional chaining (not ES2015)', 'var x = a?.b;', 'not ES2015'],
  ['BigInt literal (not ES2015)', 'var x = 1n;', 'not ES2015'],
  ['call above declaration', 'later(); function later() {}', 'above its declaration'],
  ['call above declaration in the IIFE', '(() => { new K(); class K {} })();', 'above its declaration'],
];

for (const [name, source, expected] of BAD) {
  test(`rejects ${name}`, (t) => {
    const findings = checkSource(source);
    t.true(findings.length > 0);
    t.true(findings.some((f) => f.message.includes(expected)), JSON.stringify(findings));
    t.true(findings.every((f) => f.line >= 1 && f.column >= 1));
  });
}

test('accepts what Espruino runs: one-level classes, calls below declarations, calls inside functions', (t) => {
  const ok = '(() => { function a() { return b(); } class A {} class B extends A {} function b() { return 1; } a(); new B(); })();';
  t.deepEqual(checkSource(ok), []);
});
