/**
 * The portable-core lint: keeps device/ (except hosts/node/, crypto/noble/, crypto/node/; the Espruino host is linted too) inside the
 * subset the Espruino interpreter runs (CONTRIBUTING.md, ../shared/espruino.md).
 *
 * An AST walk with the TypeScript compiler API; the type checker resolves what syntax alone cannot
 * (is `Map` the global, is this `for..of` over an array, how deep is this class chain, is `.slice`
 * called on a typed array). Every rule below was checked against the Espruino 2v29 interpreter
 * built for Linux; the measured failure is in each rule's text.
 *
 * Usage: `tsx tools/portable-lint.ts [root]` (npm run lint). For tests, `lintSources` lints
 * in-memory files.
 */
import ts from 'typescript';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Problem {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

/** Every rule, with what Espruino does wrong (measured on 2v29, Linux build). */
export const RULES: { [rule: string]: string } = {
  import: 'only relative imports: no node:* and no packages (the bundle has neither)',
  'node-global': 'a Node global (Buffer, require, process, setImmediate...) that Espruino lacks or has differently',
  destructuring: 'destructuring (binding patterns or destructuring assignment): ReferenceError or SyntaxError on Espruino',
  'spread-rest': 'spread or rest (arrays, objects, calls, parameters): SyntaxError on Espruino',
  'default-param': 'default parameter value: SyntaxError on Espruino',
  async: 'async function or await: not supported by Espruino',
  generator: 'generator or yield: SyntaxError on Espruino',
  'optional-chaining': 'optional chaining ?. : SyntaxError on Espruino',
  exponent: '** or **= : SyntaxError on Espruino',
  'logical-assignment': '??=, ||= or &&= : SyntaxError on Espruino',
  bigint: 'BigInt literal or BigInt(): not in Espruino',
  'missing-global': 'a built-in Espruino does not have (Map, Set, Symbol, TextEncoder, Proxy, Reflect...)',
  'missing-member': 'a built-in function or constant Espruino does not have, or gets wrong',
  'extends-builtin': 'a class extending a built-in (Error, Array, Uint8Array...): broken on Espruino',
  'extends-expression': 'extends of something other than a class name: SyntaxError on Espruino',
  'class-depth': 'a class chain deeper than one extends: super calls recurse forever on Espruino',
  'class-self-reference':
    "a class that names itself inside its body: esbuild bundles it as `var A = class _A {...}` and Espruino has no class-expression name binding (ReferenceError); use `this` in statics, or a function outside the class",
  'inherited-static': 'a static member reached through a subclass: Espruino does not inherit statics',
  'computed-key': 'computed property key in an object literal or class: SyntaxError on Espruino',
  label: 'labelled statement: Espruino reports the label as an undefined variable',
  'arrow-this': 'an arrow function that uses this: Espruino 2v29 can fail an internal assertion on one in code it skips (jsparse.c jspeArrowFunction); use a function and a saved self',
  'private-field': 'private #field: SyntaxError on Espruino',
  'static-block': 'class static block: SyntaxError on Espruino',
  'reserved-member': 'a reserved word as a class member name (delete, default, catch...): SyntaxError on Espruino',
  'for-of': 'for..of over something other than an array or typed array',
  'loop-closure': 'a closure made in a for (let/const ...) loop captures the loop variable: Espruino shares one binding across iterations',
  'tagged-template': 'tagged template: not supported by Espruino',
  regex: 'a regular expression construct Espruino lacks or gets wrong',
  'load-order': 'used at load time before its declaration: Espruino does not hoist functions or vars',
  'length-write': 'assignment to an array length: TypeError on Espruino',
  'arguments-in-arrow': 'arguments inside an arrow function: undefined on Espruino',
  'meta-property': 'new.target or import.meta: SyntaxError on Espruino',
  decorator: 'decorators: not supported',
  'float-literal': "a float literal Espruino's parser reads one ulp off (3.14159, 0.3, 6.103515625e-5, 1e-7...)",
  'unsafe-integer': 'an integer literal beyond 2^53: not exact anywhere',
  'non-ascii-text': 'a string literal beyond ASCII: boards without Unicode hold 8-bit strings',
  'unicode-escape': '\\u{...} escape: "Invalid escape sequence" on Espruino',
};

// ------------------------------------------------------------------ what Espruino lacks

/** Globals missing on Espruino (or wrong, like the error subclasses instanceof cannot tell apart). */
const MISSING_GLOBALS: { [name: string]: string } = {
  Map: 'no Map: use a small class with arrays (CborMap)',
  Set: 'no Set',
  WeakMap: 'no WeakMap',
  WeakSet: 'no WeakSet',
  WeakRef: 'no WeakRef',
  FinalizationRegistry: 'no FinalizationRegistry',
  Symbol: 'no Symbol',
  Proxy: 'no Proxy',
  Reflect: 'no Reflect',
  TextEncoder: 'no TextEncoder: utf8Encode in device/codec/bytes.ts',
  TextDecoder: 'no TextDecoder: utf8Decode in device/codec/bytes.ts',
  SharedArrayBuffer: 'no SharedArrayBuffer',
  Atomics: 'no Atomics',
  BigInt64Array: 'no BigInt64Array',
  BigUint64Array: 'no BigUint64Array',
  queueMicrotask: 'no queueMicrotask',
  structuredClone: 'no structuredClone',
  TypeError: 'Espruino\'s own errors are not instances of TypeError and the like: throw and test CoreError',
  RangeError: 'Espruino\'s own errors are not instances of RangeError and the like: throw and test CoreError',
  ReferenceError: 'error subclasses are unreliable on Espruino: throw and test CoreError',
  SyntaxError: 'error subclasses are unreliable on Espruino: throw and test CoreError',
  EvalError: 'error subclasses are unreliable on Espruino',
  URIError: 'error subclasses are unreliable on Espruino',
  AggregateError: 'no AggregateError',
};

const NODE_GLOBALS: { [name: string]: string } = {
  Buffer: 'Buffer is Node only: use Uint8Array and device/codec/bytes.ts',
  require: 'require is not for the portable core: use relative imports',
  process: 'process is Node only (Espruino\'s is different)',
  setImmediate: 'setImmediate is Node only',
  __dirname: 'Node only',
  __filename: 'Node only',
  module: 'Node only',
  exports: 'Node only',
};

const TYPED_ARRAYS = [
  'Uint8Array', 'Uint8ClampedArray', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array',
  'Float32Array', 'Float64Array',
];

/** Static members missing (or wrong) on Espruino, by global object. */
const MISSING_STATICS: { [owner: string]: { [member: string]: string } } = {
  Math: {
    imul: 'no Math.imul: multiply 16-bit halves',
    log2: 'no Math.log2',
    log10: 'no Math.log10',
    log1p: 'no Math.log1p',
    expm1: 'no Math.expm1',
    trunc: 'no Math.trunc: use Math.floor/Math.ceil',
    clz32: 'no Math.clz32',
    fround: 'no Math.fround: round through a DataView setFloat32/getFloat32',
    hypot: 'no Math.hypot',
    cbrt: 'no Math.cbrt',
    sinh: 'no Math.sinh',
    cosh: 'no Math.cosh',
    tanh: 'no Math.tanh',
    asinh: 'no Math.asinh',
    acosh: 'no Math.acosh',
    atanh: 'no Math.atanh',
    pow: 'Math.pow is inexact on Espruino (Math.pow(2, 53) is 9007199254740986, and most powers of two from 2^12 are off): multiply, shift, or work on float bits',
  },
  Array: { from: 'no Array.from: copy in a loop', of: 'no Array.of' },
  Number: {
    isInteger: 'no Number.isInteger: isFinite(v) && Math.floor(v) === v',
    isSafeInteger: 'no Number.isSafeInteger',
    isFinite: 'no Number.isFinite: the global isFinite',
    isNaN: 'no Number.isNaN: v !== v',
    parseInt: 'no Number.parseInt: the global parseInt',
    parseFloat: 'no Number.parseFloat: the global parseFloat',
    MAX_SAFE_INTEGER: 'no Number.MAX_SAFE_INTEGER: MAX_SAFE from device/codec/cbor.ts',
    MIN_SAFE_INTEGER: 'no Number.MIN_SAFE_INTEGER',
    EPSILON: 'no Number.EPSILON',
    MIN_VALUE: 'Number.MIN_VALUE is 2.2250738585e-308 on Espruino (the smallest normal), not 5e-324',
  },
  Object: {
    freeze: 'no Object.freeze',
    isFrozen: 'no Object.isFrozen',
    seal: 'no Object.seal',
    isSealed: 'no Object.isSealed',
    preventExtensions: 'no Object.preventExtensions',
    is: 'no Object.is',
    hasOwn: 'no Object.hasOwn: obj.hasOwnProperty(k)',
    getOwnPropertySymbols: 'no symbols',
  },
  ArrayBuffer: { isView: 'no ArrayBuffer.isView' },
  String: { fromCodePoint: 'no String.fromCodePoint', raw: 'no String.raw' },
  Promise: { race: 'no Promise.race', allSettled: 'no Promise.allSettled', any: 'no Promise.any' },
};
for (const t of TYPED_ARRAYS) {
  MISSING_STATICS[t] = { from: `no ${t}.from: new ${t}(arrayOrLength) and a loop`, of: `no ${t}.of` };
}

const ARRAY_MISSING: { [member: string]: string } = {
  at: 'no Array.prototype.at',
  flat: 'no Array.prototype.flat',
  flatMap: 'no Array.prototype.flatMap',
  entries: 'no Array.prototype.entries',
  keys: 'no Array.prototype.keys',
  values: 'no Array.prototype.values',
  copyWithin: 'no Array.prototype.copyWithin',
  lastIndexOf: 'no Array.prototype.lastIndexOf',
  reduceRight: 'no Array.prototype.reduceRight',
  findLast: 'no Array.prototype.findLast',
  findLastIndex: 'no Array.prototype.findLastIndex',
  toSorted: 'no Array.prototype.toSorted',
  toReversed: 'no Array.prototype.toReversed',
  with: 'no Array.prototype.with',
};
const TYPED_MISSING: { [member: string]: string } = {
  slice: 'Uint8Array.prototype.slice returns a plain Array on Espruino: copy with new Uint8Array(a.subarray(i, j))',
  filter: 'typed-array filter returns a plain Array on Espruino',
  copyWithin: 'no copyWithin on typed arrays',
  lastIndexOf: 'no lastIndexOf on typed arrays',
  entries: 'no entries() on typed arrays',
  keys: 'no keys() on typed arrays',
  values: 'no values() on typed arrays',
  at: 'no at() on typed arrays',
  findLast: 'no findLast on typed arrays',
  toSorted: 'no toSorted on typed arrays',
};
const STRING_MISSING: { [member: string]: string } = {
  at: 'no String.prototype.at',
  codePointAt: 'no String.prototype.codePointAt',
  normalize: 'no String.prototype.normalize',
  localeCompare: 'no String.prototype.localeCompare',
  trimStart: 'no String.prototype.trimStart',
  trimEnd: 'no String.prototype.trimEnd',
  matchAll: 'no String.prototype.matchAll',
  search: 'no String.prototype.search',
  isWellFormed: 'no String.prototype.isWellFormed',
};
const OTHER_MISSING: { [type: string]: { [member: string]: string } } = {
  ArrayBuffer: { slice: 'no ArrayBuffer.prototype.slice' },
  DataView: {
    getBigInt64: 'no BigInt on Espruino',
    getBigUint64: 'no BigInt on Espruino',
    setBigInt64: 'no BigInt on Espruino',
    setBigUint64: 'no BigInt on Espruino',
  },
};

/** Reserved words (ES2015 plus `static`): a SyntaxError as a class member name on Espruino. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await'
  ).split(' '),
);

/**
 * The number Espruino's lexer makes of a decimal float literal: stringToFloatWithRadix in its
 * src/jsutils.c (2v29) accumulates digits times 0.1, 0.01, ... and applies the exponent by
 * repeated *10 or /10, all in doubles. Reproduces all 26 literals measured on the interpreter.
 */
export function espruinoFloat(text: string): number {
  let i = 0;
  let v = 0;
  let mul = 0.1;
  const digit = (): number => (i < text.length && text[i] >= '0' && text[i] <= '9' ? text.charCodeAt(i) - 48 : -1);
  for (let d = digit(); d >= 0; d = digit()) {
    v = v * 10 + d;
    i++;
  }
  if (text[i] === '.') {
    i++;
    for (let d = digit(); d >= 0; d = digit()) {
      v += mul * d;
      mul /= 10;
      i++;
    }
  }
  if (text[i] === 'e' || text[i] === 'E') {
    i++;
    const negative = text[i] === '-';
    if (text[i] === '-' || text[i] === '+') i++;
    let e = 0;
    for (let d = digit(); d >= 0; d = digit()) {
      e = e * 10 + d;
      i++;
    }
    if (negative) e = -e;
    for (; e > 0; e--) v *= 10;
    for (; e < 0; e++) v /= 10;
  }
  return v;
}

// ------------------------------------------------------------------ the walk

/** The directories of device/ that are Node-only. */
const NODE_ONLY = ['device/hosts/node/', 'device/crypto/noble/', 'device/crypto/node/'];

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  noEmit: true,
  strict: true,
  skipLibCheck: true,
  types: [],
  lib: ['lib.es2022.d.ts'],
};

/* eslint-disable @typescript-eslint/no-explicit-any */
const tsi = ts as any; // isPartOfTypeNode is exported at run time but not in the typings

type FunctionLike = ts.FunctionLikeDeclaration | ts.ClassStaticBlockDeclaration;

function isFunctionLike(n: ts.Node): n is FunctionLike {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isFunctionExpression(n) ||
    ts.isArrowFunction(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n)
  );
}

function hasModifier(n: ts.Node, kind: ts.SyntaxKind): boolean {
  const mods = ts.canHaveModifiers(n) ? ts.getModifiers(n) : undefined;
  return !!mods && mods.some((m) => m.kind === kind);
}

class Linter {
  readonly problems: Problem[] = [];
  readonly checker: ts.TypeChecker;

  constructor(
    readonly program: ts.Program,
    readonly root: string,
  ) {
    this.checker = program.getTypeChecker();
  }

  report(node: ts.Node, rule: string, message?: string): void {
    const sf = node.getSourceFile();
    const pos = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    this.problems.push({
      file: relative(this.root, sf.fileName),
      line: pos.line + 1,
      column: pos.character + 1,
      rule,
      message: message || RULES[rule],
    });
  }

  /** Declared in this project (not in a lib file or a package). */
  inProject(decl: ts.Node): boolean {
    const sf = decl.getSourceFile();
    return !this.program.isSourceFileDefaultLibrary(sf) && !sf.fileName.includes('/node_modules/');
  }

  symbolOf(node: ts.Node): ts.Symbol | undefined {
    let s = this.checker.getSymbolAtLocation(node);
    if (s && s.flags & ts.SymbolFlags.Alias) s = this.checker.getAliasedSymbol(s);
    return s;
  }

  /** Whether an identifier names the global of that name (nothing in the project declares it). */
  isGlobal(id: ts.Identifier): boolean {
    const s = this.symbolOf(id);
    if (!s || !s.declarations || s.declarations.length === 0) return true;
    return !s.declarations.some((d) => this.inProject(d));
  }

  lintFile(sf: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      if (hasModifier(node, ts.SyntaxKind.DeclareKeyword)) return; // ambient: no code
      if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
      this.check(node);
      ts.forEachChild(node, visit);
    };
    visit(sf);
    this.loadOrder(sf);
  }

  check(node: ts.Node): void {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      const spec = node.moduleSpecifier;
      if (spec && ts.isStringLiteral(spec) && !/^\.\.?\//.test(spec.text)) {
        this.report(spec, 'import', `import of '${spec.text}': ${RULES.import}`);
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      this.report(node, 'import', 'dynamic import(): ' + RULES.import);
    } else if (ts.isImportEqualsDeclaration(node)) {
      this.report(node, 'import');
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp' && this.isGlobal(node.expression)) {
      this.dynamicRegex(node);
    }

    if (ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) this.report(node, 'destructuring');
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left))
    ) {
      this.report(node.left, 'destructuring');
    }
    if ((ts.isForOfStatement(node) || ts.isForInStatement(node)) && (ts.isObjectLiteralExpression(node.initializer) || ts.isArrayLiteralExpression(node.initializer))) {
      this.report(node.initializer, 'destructuring');
    }

    if (ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) this.report(node, 'spread-rest');
    if (ts.isParameter(node)) {
      if (node.dotDotDotToken) this.report(node, 'spread-rest');
      if (node.initializer) this.report(node, 'default-param');
    }
    if (ts.isBindingElement(node) && node.dotDotDotToken) this.report(node, 'spread-rest');

    if (hasModifier(node, ts.SyntaxKind.AsyncKeyword)) this.report(node, 'async');
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) this.report(node, 'async');
    if ((isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).asteriskToken) || ts.isYieldExpression(node)) {
      this.report(node, 'generator');
    }
    if (
      (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node)) &&
      node.questionDotToken
    ) {
      this.report(node, 'optional-chaining');
    }
    if (ts.isBinaryExpression(node)) this.binary(node);
    if (ts.isBigIntLiteral(node)) this.report(node, 'bigint');
    if (ts.isIdentifier(node)) this.identifier(node);
    if (ts.isPropertyAccessExpression(node)) this.member(node);
    if (ts.isCallExpression(node)) this.call(node);
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) this.klass(node);
    if (ts.isComputedPropertyName(node)) this.report(node, 'computed-key');
    if (ts.isLabeledStatement(node)) this.report(node, 'label');
    if (ts.isArrowFunction(node) && usesThis(node.body)) this.report(node, 'arrow-this');
    if (ts.isPrivateIdentifier(node)) this.report(node, 'private-field');
    if (ts.isClassStaticBlockDeclaration(node)) this.report(node, 'static-block');
    if (ts.isForOfStatement(node)) this.forOf(node);
    if (ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node)) this.loopClosures(node);
    if (ts.isTaggedTemplateExpression(node)) this.report(node, 'tagged-template');
    if (ts.isRegularExpressionLiteral(node)) this.regexLiteral(node);
    if (ts.isMetaProperty(node)) this.report(node, 'meta-property');
    if (ts.isDecorator(node)) this.report(node, 'decorator');
    if (ts.isNumericLiteral(node)) this.numeric(node);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      this.text(node);
    }
  }

  binary(node: ts.BinaryExpression): void {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.AsteriskAsteriskToken || op === ts.SyntaxKind.AsteriskAsteriskEqualsToken) this.report(node.operatorToken, 'exponent');
    if (
      op === ts.SyntaxKind.QuestionQuestionEqualsToken ||
      op === ts.SyntaxKind.BarBarEqualsToken ||
      op === ts.SyntaxKind.AmpersandAmpersandEqualsToken
    ) {
      this.report(node.operatorToken, 'logical-assignment');
    }
    if (
      op >= ts.SyntaxKind.FirstAssignment &&
      op <= ts.SyntaxKind.LastAssignment &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.name.text === 'length' &&
      this.isArrayLike(this.checker.getTypeAtLocation(node.left.expression))
    ) {
      this.report(node.left, 'length-write');
    }
  }

  /** A reference (not a declaration name, property name or type) to a global Espruino lacks. */
  identifier(id: ts.Identifier): void {
    const name = id.text;
    const missing = MISSING_GLOBALS[name];
    const node = NODE_GLOBALS[name];
    const isArguments = name === 'arguments';
    if (!missing && !node && name !== 'BigInt' && !isArguments) return;
    if (!this.isReference(id)) return;
    if (isArguments) {
      for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
        if (isFunctionLike(n)) {
          if (ts.isArrowFunction(n)) this.report(id, 'arguments-in-arrow');
          return;
        }
      }
      return;
    }
    if (!this.isGlobal(id)) return;
    if (name === 'BigInt') this.report(id, 'bigint');
    else if (node) this.report(id, 'node-global', `${name}: ${node}`);
    else this.report(id, 'missing-global', `${name}: ${missing}`);
  }

  isReference(id: ts.Identifier): boolean {
    const p = id.parent;
    if (ts.isShorthandPropertyAssignment(p)) return p.name === id;
    if (ts.isPropertyAccessExpression(p)) return p.expression === id;
    if (ts.isQualifiedName(p) || ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
    if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)) return false;
    if (ts.isBindingElement(p) && p.propertyName === id) return false;
    if (tsi.isDeclarationName(id)) return false;
    if (ts.isPropertyAssignment(p) && p.name === id) return false;
    if (tsi.isPartOfTypeNode(id)) return false;
    return true;
  }

  member(node: ts.PropertyAccessExpression): void {
    const name = node.name.text;
    const obj = node.expression;
    if (ts.isIdentifier(obj) && MISSING_STATICS[obj.text] && MISSING_STATICS[obj.text][name] && this.isGlobal(obj)) {
      this.report(node, 'missing-member', `${obj.text}.${name}: ${MISSING_STATICS[obj.text][name]}`);
      return;
    }
    if (ts.isIdentifier(obj) && name !== 'prototype') this.inheritedStatic(node, obj);
    if (!ARRAY_MISSING[name] && !TYPED_MISSING[name] && !STRING_MISSING[name] && !OTHER_MISSING.ArrayBuffer[name] && !OTHER_MISSING.DataView[name]) return;
    const t = this.checker.getTypeAtLocation(obj);
    const parts = t.isUnion() ? t.types : [t];
    for (const p of parts) {
      let why: string | undefined;
      if (this.isArray(p)) why = ARRAY_MISSING[name];
      else if (this.typedArrayName(p)) why = TYPED_MISSING[name];
      else if (p.flags & ts.TypeFlags.StringLike) why = STRING_MISSING[name];
      else {
        const s = p.getSymbol();
        if (s && OTHER_MISSING[s.getName()] && s.declarations && !s.declarations.some((d) => this.inProject(d))) why = OTHER_MISSING[s.getName()][name];
      }
      if (why) {
        this.report(node.name, 'missing-member', `.${name}: ${why}`);
        return;
      }
    }
  }

  /** `Sub.m` where m is a static declared on a base class: Espruino does not inherit statics. */
  inheritedStatic(node: ts.PropertyAccessExpression, obj: ts.Identifier): void {
    const owner = this.symbolOf(obj);
    if (!owner || !(owner.flags & ts.SymbolFlags.Class)) return;
    const prop = this.checker.getSymbolAtLocation(node.name);
    const decl = prop && prop.declarations && prop.declarations[0];
    if (!decl || !hasModifier(decl, ts.SyntaxKind.StaticKeyword) || !this.inProject(decl)) return;
    const ownerDecls = owner.declarations || [];
    if (!ownerDecls.some((d) => d === decl.parent)) this.report(node.name, 'inherited-static', `${obj.text}.${node.name.text}: ${RULES['inherited-static']}`);
  }

  call(node: ts.CallExpression): void {
    const callee = node.expression;
    if (ts.isIdentifier(callee) && callee.text === 'RegExp' && this.isGlobal(callee)) this.dynamicRegex(node);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'JSON' && this.isGlobal(callee.expression)) {
      const second = node.arguments[1];
      const given = second && second.kind !== ts.SyntaxKind.NullKeyword && !(ts.isIdentifier(second) && second.text === 'undefined');
      if (callee.name.text === 'parse' && given) this.report(node, 'missing-member', 'JSON.parse ignores its reviver on Espruino');
      if (callee.name.text === 'stringify' && given) this.report(node, 'missing-member', 'JSON.stringify ignores its replacer on Espruino (the indent argument works)');
    }
  }

  dynamicRegex(node: ts.CallExpression | ts.NewExpression): void {
    const args = node.arguments || ts.factory.createNodeArray();
    const pattern = args[0];
    const flags = args[1];
    if (pattern && ts.isStringLiteral(pattern) && (!flags || ts.isStringLiteral(flags))) {
      this.regex(node, pattern.text, flags ? (flags as ts.StringLiteral).text : '');
    } else this.report(node, 'regex', 'a RegExp built at run time cannot be checked against what Espruino supports: write a literal');
  }

  regexLiteral(node: ts.RegularExpressionLiteral): void {
    const text = node.text;
    const end = text.lastIndexOf('/');
    this.regex(node, text.slice(1, end), text.slice(end + 1));
  }

  /**
   * Espruino's regex engine (measured): literals, ., classes, \d \w \s, * +, ^ $, groups, |, flags g i.
   * Wrong or missing: ? (never matches), {n,m}, (?: (?= (?! (?<= (?<name>, \b \B, \uXXXX, backreferences,
   * lazy quantifiers, flags m y (ignored), s (SyntaxError), u.
   */
  regex(node: ts.Node, pattern: string, flags: string): void {
    const found: string[] = [];
    for (const f of flags) if (f !== 'g' && f !== 'i') found.push(`flag ${f}`);
    let inClass = false;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '\\') {
        const e = pattern[i + 1] || '';
        if ('bBuUpPkc'.includes(e) || /[1-9]/.test(e)) found.push(`\\${e}`);
        i++;
      } else if (inClass) {
        if (c === ']') inClass = false;
      } else if (c === '[') inClass = true;
      else if (c === '(' && pattern[i + 1] === '?') {
        found.push('(?...) group');
        i++;
      } else if (c === '{') found.push('{n,m} quantifier');
      else if (c === '?') found.push('? quantifier');
    }
    if (found.length > 0) this.report(node, 'regex', `regex /${pattern}/${flags}: ${found.join(', ')} (Espruino runs literals, ., [classes], \\d \\w \\s, * +, ^ $, groups, |, flags g i)`);
  }

  klass(node: ts.ClassDeclaration | ts.ClassExpression): void {
    for (const m of node.members) {
      if (hasModifier(m, ts.SyntaxKind.DeclareKeyword)) continue;
      if (m.name && ts.isIdentifier(m.name) && RESERVED.has(m.name.text)) {
        this.report(m.name, 'reserved-member', `'${m.name.text}': ${RULES['reserved-member']}; attach it to the prototype after the class`);
      }
    }
    this.selfReference(node);
    const heritage = (node.heritageClauses || []).find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
    if (!heritage || heritage.types.length === 0) return;
    const base = heritage.types[0].expression;
    if (!ts.isIdentifier(base) && !ts.isPropertyAccessExpression(base)) {
      this.report(base, 'extends-expression');
      return;
    }
    const s = this.symbolOf(base);
    const decls = (s && s.declarations) || [];
    if (decls.length === 0) return; // unresolved: the compiler reports it
    if (!decls.some((d) => this.inProject(d))) {
      this.report(base, 'extends-builtin', `extends ${base.getText()}: ${RULES['extends-builtin']}; throw CoreError, compose instead`);
      return;
    }
    const baseClass = decls.find((d) => ts.isClassDeclaration(d) || ts.isClassExpression(d)) as ts.ClassLikeDeclaration | undefined;
    if (baseClass && (baseClass.heritageClauses || []).some((h) => h.token === ts.SyntaxKind.ExtendsKeyword)) {
      this.report(base, 'class-depth', `extends ${base.getText()}, which itself extends another class: ${RULES['class-depth']}`);
    }
  }

  selfReference(node: ts.ClassDeclaration | ts.ClassExpression): void {
    if (!node.name) return;
    const self = this.checker.getSymbolAtLocation(node.name);
    if (!self) return;
    let found = false;
    const walk = (n: ts.Node): void => {
      if (found) return;
      if (ts.isIdentifier(n) && n.text === node.name!.text && this.isReference(n) && this.checker.getSymbolAtLocation(n) === self) {
        found = true;
        this.report(n, 'class-self-reference');
        return;
      }
      ts.forEachChild(n, walk);
    };
    for (const m of node.members) walk(m);
  }

  isArray(t: ts.Type): boolean {
    return this.checker.isArrayType(t) || this.checker.isTupleType(t);
  }

  typedArrayName(t: ts.Type): string | undefined {
    const s = t.getSymbol();
    if (!s || !TYPED_ARRAYS.includes(s.getName())) return undefined;
    return s.declarations && s.declarations.some((d) => this.inProject(d)) ? undefined : s.getName();
  }

  isArrayLike(t: ts.Type): boolean {
    const parts = t.isUnion() ? t.types : [t];
    return parts.some((p) => this.isArray(p) || !!this.typedArrayName(p));
  }

  forOf(node: ts.ForOfStatement): void {
    const t = this.checker.getTypeAtLocation(node.expression);
    const parts = t.isUnion() ? t.types : [t];
    const ok = parts.every((p) => this.isArray(p) || !!this.typedArrayName(p));
    if (!ok) this.report(node.expression, 'for-of', `for..of over ${this.checker.typeToString(t)}: only arrays and typed arrays (Espruino iterates nothing for other objects)`);
  }

  /** A function made inside a for (let/const ...) loop that refers to the loop's own variables. */
  loopClosures(node: ts.ForStatement | ts.ForOfStatement | ts.ForInStatement): void {
    const init = node.initializer;
    if (!init || !ts.isVariableDeclarationList(init) || !(init.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) return;
    const vars = new Set<ts.Symbol>();
    const collect = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) {
        const s = this.checker.getSymbolAtLocation(n);
        if (s) vars.add(s);
      } else ts.forEachChild(n, collect);
    };
    for (const d of init.declarations) collect(d.name);
    const reported = new Set<ts.Node>();
    const inside = (fn: ts.Node): void => {
      const walk = (n: ts.Node): void => {
        if (ts.isIdentifier(n) && this.isReference(n)) {
          const s = this.checker.getSymbolAtLocation(n);
          if (s && vars.has(s) && !reported.has(fn)) {
            reported.add(fn);
            this.report(n, 'loop-closure', `'${n.text}' is captured by a function made in the loop: ${RULES['loop-closure']}; pass it as an argument`);
          }
        }
        ts.forEachChild(n, walk);
      };
      walk(fn);
    };
    const scan = (n: ts.Node): void => {
      if (isFunctionLike(n) || ts.isClassLike(n)) {
        if (!this.immediatelyInvoked(n)) inside(n);
        return;
      }
      ts.forEachChild(n, scan);
    };
    const parts: Array<ts.Node | undefined> = ts.isForStatement(node) ? [node.condition, node.incrementor, node.statement] : [node.statement];
    for (const p of parts) if (p) scan(p);
  }

  immediatelyInvoked(fn: ts.Node): boolean {
    let p = fn.parent;
    while (p && ts.isParenthesizedExpression(p)) p = p.parent;
    return !!p && ts.isCallExpression(p) && (p.expression === fn || (ts.isParenthesizedExpression(p.expression) && p.expression.expression === fn));
  }

  numeric(node: ts.NumericLiteral): void {
    const text = node.getText().replace(/_/g, '');
    const v = Number(text);
    if (/^[0-9]+$/.test(text) || /^0[xXoObB]/.test(text)) {
      if (v > 9007199254740991) this.report(node, 'unsafe-integer');
      return; // integer literals are read exactly
    }
    const read = espruinoFloat(text);
    if (read !== v) {
      this.report(node, 'float-literal', `${text} is read as ${read} on Espruino: compute it from integers (e.g. 1 / 16384, 15 / 100)`);
    }
  }

  text(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateLiteralLikeNode): void {
    const raw = node.getText();
    if (/\\u\{/.test(raw)) this.report(node, 'unicode-escape');
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(node.text)) this.report(node, 'non-ascii-text');
  }

  // ---------------------------------------------------------------- load order

  /**
   * Espruino runs a file top to bottom without hoisting: a statement that runs at load time must
   * only use what is declared above it. Checked in every block (a function body runs top to bottom
   * too), skipping code inside nested functions, which runs later; at the top level, a call of a
   * function declared above is followed into that function's body (transitively).
   */
  loadOrder(sf: ts.SourceFile): void {
    const blocks: Array<ts.NodeArray<ts.Statement>> = [];
    const findBlocks = (n: ts.Node): void => {
      if (ts.isSourceFile(n) || ts.isBlock(n) || ts.isModuleBlock(n) || ts.isCaseClause(n) || ts.isDefaultClause(n)) blocks.push(n.statements);
      ts.forEachChild(n, findBlocks);
    };
    findBlocks(sf);
    for (const statements of blocks) this.blockOrder(statements, ts.isSourceFile(statements[0] ? statements[0].parent : sf));
  }

  /** Index of the statement of this block that declares each symbol. */
  declaredAt(statements: ts.NodeArray<ts.Statement>): Map<ts.Symbol, number> {
    const at = new Map<ts.Symbol, number>();
    statements.forEach((st, i) => {
      const names: ts.Node[] = [];
      if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) names.push(st.name);
      if (ts.isVariableStatement(st)) {
        const add = (n: ts.Node): void => {
          if (ts.isIdentifier(n)) names.push(n);
          else ts.forEachChild(n, add);
        };
        for (const d of st.declarationList.declarations) add(d.name);
      }
      for (const n of names) {
        const s = this.checker.getSymbolAtLocation(n);
        if (s) at.set(s, i);
      }
    });
    return at;
  }

  /** Symbols referenced by code that runs when `node` runs (nested functions excluded). */
  runtimeRefs(node: ts.Node, into: Array<[ts.Identifier, ts.Symbol]>): void {
    const walk = (n: ts.Node): void => {
      if (n !== node && (isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n))) return;
      if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isTypeNode(n)) return;
      if (ts.isIdentifier(n) && this.isReference(n)) {
        const s = this.symbolOf(n);
        if (s) into.push([n, s]);
      }
      ts.forEachChild(n, walk);
    };
    if (isFunctionLike(node)) {
      if (node.body) walk(node.body);
    } else walk(node);
  }

  blockOrder(statements: ts.NodeArray<ts.Statement>, topLevel: boolean): void {
    if (statements.length === 0) return;
    const at = this.declaredAt(statements);
    if (at.size === 0) return;
    // what each function declared in this block uses when called, transitively (top level only)
    const uses = new Map<ts.Symbol, Set<ts.Symbol>>();
    const usesOf = (fnSym: ts.Symbol, seen: Set<ts.Symbol>): Set<ts.Symbol> => {
      const known = uses.get(fnSym);
      if (known) return known;
      const out = new Set<ts.Symbol>();
      if (seen.has(fnSym)) return out;
      seen.add(fnSym);
      const decl = (fnSym.declarations || []).find((d) => ts.isFunctionDeclaration(d)) as ts.FunctionDeclaration | undefined;
      if (decl) {
        const refs: Array<[ts.Identifier, ts.Symbol]> = [];
        this.runtimeRefs(decl, refs);
        for (const [, s] of refs) {
          if (!at.has(s)) continue;
          out.add(s);
          for (const t of usesOf(s, seen)) out.add(t);
        }
      }
      uses.set(fnSym, out);
      return out;
    };
    statements.forEach((st, i) => {
      if (ts.isFunctionDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) return;
      if (hasModifier(st, ts.SyntaxKind.DeclareKeyword)) return;
      const refs: Array<[ts.Identifier, ts.Symbol]> = [];
      this.runtimeRefs(st, refs);
      for (const [id, s] of refs) {
        const j = at.get(s);
        if (j === undefined) continue;
        if (j > i) {
          this.report(id, 'load-order', `'${id.text}' is used before its declaration (line ${statements[j].getSourceFile().getLineAndCharacterOfPosition(statements[j].getStart()).line + 1}): Espruino does not hoist`);
          continue;
        }
        if (!topLevel || !ts.isCallExpression(id.parent) || id.parent.expression !== id) continue;
        for (const u of usesOf(s, new Set())) {
          const k = at.get(u);
          if (k !== undefined && k > i) {
            this.report(id, 'load-order', `'${id.text}()' runs here and uses '${u.getName()}', declared below: Espruino does not hoist`);
            break;
          }
        }
      }
    });
  }
}

// ------------------------------------------------------------------ programs

const libCache = new Map<string, ts.SourceFile>();

/** A compiler host that serves `memory` files first and keeps parsed lib files across programs. */
function host(memory: { [path: string]: string }): ts.CompilerHost {
  const base = ts.createCompilerHost(OPTIONS, true);
  return {
    ...base,
    fileExists: (f) => f in memory || base.fileExists(f),
    directoryExists: (d) => Object.keys(memory).some((f) => f.startsWith(d + '/')) || (base.directoryExists ? base.directoryExists(d) : false),
    realpath: (f) => (f in memory ? f : base.realpath ? base.realpath(f) : f),
    readFile: (f) => (f in memory ? memory[f] : base.readFile(f)),
    getSourceFile: (f, lang, onError) => {
      if (f in memory) return ts.createSourceFile(f, memory[f], lang, true);
      const cached = libCache.get(f);
      if (cached) return cached;
      const sf = base.getSourceFile(f, lang, onError);
      if (sf && (f.includes('/node_modules/typescript/lib/') || f.includes('/node_modules/@types/'))) libCache.set(f, sf);
      return sf;
    },
  };
}

function lintProgram(program: ts.Program, files: string[], root: string): Problem[] {
  const linter = new Linter(program, root);
  for (const f of files) {
    const sf = program.getSourceFile(f);
    if (sf) linter.lintFile(sf);
  }
  linter.problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
  return linter.problems;
}

/** Lints in-memory files (name -> source), all taken as portable core; for tests. */
export function lintSources(files: { [name: string]: string }): Problem[] {
  const root = '/virtual';
  const memory: { [path: string]: string } = {};
  for (const name of Object.keys(files)) memory[join(root, name)] = files[name];
  const program = ts.createProgram(Object.keys(memory), OPTIONS, host(memory));
  return lintProgram(program, Object.keys(memory), root);
}

/** Lints one snippet as device/snippet.ts. */
export function lintSource(text: string): Problem[] {
  return lintSources({ 'device/snippet.ts': text });
}

/** The portable core's .ts files under root/device. */
export function portableFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(root, p).split('\\').join('/') + (statSync(p).isDirectory() ? '/' : '');
      if (NODE_ONLY.some((n) => rel.startsWith(n))) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(join(root, 'device'));
  return out;
}

export function lintProject(root: string): { files: number; problems: Problem[] } {
  const files = portableFiles(root);
  const program = ts.createProgram(files, OPTIONS, host({}));
  return { files: files.length, problems: lintProgram(program, files, root) };
}

export function format(p: Problem): string {
  return `${p.file}:${p.line}:${p.column} ${p.rule}: ${p.message}`;
}

function main(): void {
  const root = resolve(process.argv[2] || join(dirname(fileURLToPath(import.meta.url)), '..'));
  const result = lintProject(root);
  for (const p of result.problems) console.log(format(p));
  console.log(`portable lint: ${result.files} files, ${result.problems.length} problems`);
  process.exitCode = result.problems.length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

/** Whether `this` occurs in a node, not counting nested non-arrow functions (they have their own). */
function usesThis(node: ts.Node): boolean {
  if (node.kind === ts.SyntaxKind.ThisKeyword) return true;
  if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassLike(node)) return false;
  return ts.forEachChild(node, usesThis) === true;
}
