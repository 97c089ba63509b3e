/**
 * CI check of the Espruino bundle (dist/espruino/ace-device.js, built first if absent): parses
 * it with acorn at ecmaVersion 2015, so later syntax (async, `**`, `?.`, BigInt literals...)
 * is a parse error, then walks the tree for what ES2015 has and Espruino 2v29 does not run
 * (../shared/espruino.md): destructuring, spread, rest, default parameters, generators,
 * computed keys, labelled statements, `extends Error`, class chains deeper than one level, and
 * top-level statements of the IIFE that call a function or class declared further down (no
 * hoisting). Each rejection names its line and column.
 */
import { Parser } from 'acorn';
import type { Node } from 'acorn';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { BUNDLE, buildEspruino } from './espruino-build.ts';

export interface Finding { line: number; column: number; message: string }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = Node & { [key: string]: any };

function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const v = node[key];
    if (Array.isArray(v)) for (const c of v) { if (c && typeof c.type === 'string') out.push(c); }
    else if (v && typeof v.type === 'string') out.push(v);
  }
  return out;
}

function walk(node: AnyNode, visit: (n: AnyNode, parent: AnyNode | null) => void, parent: AnyNode | null = null): void {
  visit(node, parent);
  for (const c of children(node)) walk(c, visit, node);
}

const SIMPLE: { [type: string]: string } = {
  ObjectPattern: 'destructuring (object pattern)',
  ArrayPattern: 'destructuring (array pattern)',
  SpreadElement: 'spread',
  RestElement: 'rest element',
  AssignmentPattern: 'default value (default parameter or destructuring default)',
  LabeledStatement: 'labelled statement',
  ChainExpression: 'optional chaining',
  AwaitExpression: 'await',
  YieldExpression: 'yield (generator)',
};

export function checkSource(source: string): Finding[] {
  const findings: Finding[] = [];
  const at = (n: AnyNode, message: string) => findings.push({ line: n.loc!.start.line, column: n.loc!.start.column + 1, message });
  let ast: AnyNode;
  try {
    ast = Parser.parse(source, { ecmaVersion: 2015, sourceType: 'script', locations: true }) as AnyNode;
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    return [{ line: err.loc?.line ?? 0, column: (err.loc?.column ?? 0) + 1, message: 'not ES2015: ' + err.message }];
  }
  const classes: { [name: string]: string | null } = {};
  walk(ast, (n) => {
    if (n.type === 'ClassDeclaration' && n.id) classes[n.id.name] = n.superClass && n.superClass.type === 'Identifier' ? n.superClass.name : n.superClass ? '?' : null;
  });
  walk(ast, (n, parent) => {
    if (SIMPLE[n.type]) at(n, SIMPLE[n.type]);
    if ((n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') && (n.generator || n.async)) {
      at(n, n.async ? 'async function' : 'generator');
    }
    if (n.type === 'Property' && n.computed && parent && parent.type === 'ObjectExpression') at(n, 'computed key in an object literal');
    if (n.type === 'BinaryExpression' && n.operator === '**') at(n, 'exponent operator');
    if (n.type === 'AssignmentExpression' && n.operator === '**=') at(n, 'exponent operator');
    if (n.type === 'Literal' && typeof n.bigint === 'string') at(n, 'BigInt literal');
    if ((n.type === 'ClassDeclaration' || n.type === 'ClassExpression') && n.superClass) {
      if (n.superClass.type === 'Identifier' && n.superClass.name === 'Error') at(n, 'class extends Error');
      else if (n.superClass.type === 'Identifier' && classes[n.superClass.name] !== undefined && classes[n.superClass.name] !== null) {
        at(n, `class chain deeper than one level (${n.id ? n.id.name : 'anonymous'} extends ${n.superClass.name} extends ${classes[n.superClass.name]})`);
      }
    }
  });
  for (const body of iifeBodies(ast)) checkLoadOrder(body, at);
  return findings;
}

/** The statement lists that run at load time: the program and the IIFE esbuild wraps it in. */
function iifeBodies(ast: AnyNode): AnyNode[][] {
  const out: AnyNode[][] = [ast.body];
  for (const s of ast.body as AnyNode[]) {
    if (s.type !== 'ExpressionStatement') continue;
    let call = s.expression;
    if (call.type === 'UnaryExpression') call = call.argument;
    if (call.type === 'CallExpression' && (call.callee.type === 'FunctionExpression' || call.callee.type === 'ArrowFunctionExpression') && call.callee.body.type === 'BlockStatement') {
      out.push(call.callee.body.body);
    }
  }
  return out;
}

/** Names that top-level code calls or constructs directly (not inside nested functions). */
function loadTimeUses(stmt: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  const visit = (n: AnyNode) => {
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') return;
    if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') {
      if (n.superClass) visit(n.superClass);
      return; // method bodies run later
    }
    if ((n.type === 'CallExpression' || n.type === 'NewExpression') && n.callee.type === 'Identifier') out.push(n.callee);
    if (n.type === 'ClassDeclaration' && n.superClass && n.superClass.type === 'Identifier') out.push(n.superClass);
    for (const c of children(n)) visit(c);
  };
  if (stmt.type === 'FunctionDeclaration') return out;
  visit(stmt);
  return out;
}

function checkLoadOrder(body: AnyNode[], at: (n: AnyNode, m: string) => void): void {
  const declaredAt: { [name: string]: number } = {};
  body.forEach((s, i) => {
    if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id) declaredAt[s.id.name] = i;
  });
  body.forEach((s, i) => {
    for (const id of loadTimeUses(s)) {
      const d = declaredAt[id.name];
      if (d !== undefined && d > i) at(id, `"${id.name}" is used at load time above its declaration (no hoisting on Espruino)`);
    }
    if (s.type === 'ClassDeclaration' && s.superClass && s.superClass.type === 'Identifier') {
      const d = declaredAt[s.superClass.name];
      if (d !== undefined && d > i) at(s.superClass, `"${s.superClass.name}" is extended above its declaration`);
    }
  });
}

export async function checkBundle(path = BUNDLE): Promise<Finding[]> {
  if (!existsSync(path)) await buildEspruino(path);
  return checkSource(readFileSync(path, 'utf8'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const path = process.argv[2] ? resolve(process.argv[2]) : BUNDLE;
  checkBundle(path).then((findings) => {
    for (const f of findings) process.stdout.write(`${path}:${f.line}:${f.column}: ${f.message}\n`);
    process.stdout.write(`espruino bundle check: ${findings.length} problem${findings.length === 1 ? '' : 's'}\n`);
    process.exit(findings.length === 0 ? 0 : 1);
  }, (e: Error) => {
    process.stderr.write(e.message + '\n');
    process.exit(1);
  });
}
