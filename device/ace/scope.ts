/**
 * Scopes and the access decision.
 *
 * A token's scope (CWT claim 9) is either
 * - a byte string holding AIF (RFC 9237 §3, REST-specific model): a CBOR array of
 *   [URI-local-part, REST-method-set] pairs, the method set a bitmask 2^(method code - 1)
 *   (AifMethod in numbers.ts); or
 * - a text string of space-separated scope tokens (RFC 6749 section 3.3), whose meaning the device's
 *   configuration gives in a TextScopeTable (e.g. `lock:open` = POST and GET on /lock).
 * Both become one compact PermissionSet: per path, the union of the allowed methods.
 *
 * AIF is an allow-list: everything not listed is denied. We hold the basic REST model only;
 * a token carrying Dynamic-X permissions (bits 2^32 and up) or bits no method is defined for is
 * refused as a whole (RFC 9237 §6 allows either refusing or ignoring: refusing is clearer).
 * Unknown text scope tokens grant nothing and are reported in `unknown`.
 *
 * Paths are matched exactly, as text, against the path the Site routes on (device/coap/message.ts
 * uriPath): no prefixes, no templates, no normalization. Whatever does not match is denied.
 */
import { fail } from '../errors.ts';
import { CborCodec, CborValue, portableCbor } from '../codec/cbor.ts';
import { AIF_ALL_METHODS } from './numbers.ts';

/** The methods allowed on one path (AIF REST-method-set bits). */
export interface Grant {
  path: string;
  methods: number;
}

export interface PermissionSet {
  /** One entry per path; methods never 0. */
  readonly grants: Grant[];
  /** Text scope tokens the device does not define: they grant nothing; kept for the logs. */
  readonly unknown: string[];
}

/** The decision for one request (RFC 9200 §5.10.2: 4.03 path not covered, 4.05 method not covered). */
export type Decision = 'granted' | 'forbidden' | 'method_not_allowed';

/** Configuration: what each text scope token allows, e.g. { 'lock:open': [{ path: '/lock', methods: AifMethod.POST | AifMethod.GET }] }. */
export interface TextScopeDefinition {
  [scopeToken: string]: Grant[];
}

export interface ScopeOptions {
  /** Meaning of text scope tokens; without one, every text token is unknown. */
  table?: TextScopeTable | null;
  /** Decoder for AIF byte strings; the portable codec by default. */
  codec?: CborCodec;
  /** Most AIF pairs or text tokens accepted (default 32): bounds memory on a small device. */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 32;
const TWO_32 = 4294967296;
const METHOD_NAMES = ['GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'];

// ---------------------------------------------------------------- checks

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
function isScopeToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** A URI-local-part is an absolute path (RFC 9237 §2.1): it starts with "/". */
function checkPath(path: CborValue, where: string): string {
  if (typeof path !== 'string' || path.length === 0 || path.charAt(0) !== '/') {
    fail('invalid_scope', where + ': path is not a text string starting with "/"');
  }
  return path as string;
}

/** Method bits of the basic REST model; Dynamic-X and undefined bits are refused. */
function checkMethods(methods: CborValue, where: string): number {
  if (typeof methods === 'bigint') return fail('invalid_scope', where + ': Dynamic-X permissions (2^32 and up) are not supported');
  if (typeof methods !== 'number' || !(methods >= 0) || Math.floor(methods) !== methods) {
    fail('invalid_scope', where + ': permissions are not an unsigned integer');
  }
  const m = methods as number;
  if (m >= TWO_32) fail('invalid_scope', where + ': Dynamic-X permissions (2^32 and up) are not supported');
  if ((m & ~AIF_ALL_METHODS) !== 0) fail('invalid_scope', where + ': permission bits beyond iPATCH are not defined');
  return m;
}

function maxOf(options: ScopeOptions | null | undefined): number {
  const max = options && options.maxEntries;
  return typeof max === 'number' && max > 0 ? max : DEFAULT_MAX_ENTRIES;
}

/** Adds methods to path, merging entries of the same path (RFC 9237 §3). */
function addGrant(grants: Grant[], path: string, methods: number): void {
  if (methods === 0) return;
  for (let i = 0; i < grants.length; i++) {
    if (grants[i].path === path) {
      grants[i].methods |= methods;
      return;
    }
  }
  grants.push({ path: path, methods: methods });
}

// ---------------------------------------------------------------- text scope table

/** The device's meaning of text scope tokens; kept in arrays (no prototype lookups, no Map). */
export class TextScopeTable {
  private readonly names: string[] = [];
  private readonly grants: Grant[][] = [];

  constructor(definition: TextScopeDefinition) {
    const keys = Object.keys(definition);
    for (let i = 0; i < keys.length; i++) {
      const name = keys[i];
      if (!isScopeToken(name)) fail('invalid_scope', 'scope table: "' + name + '" is not a scope token');
      const list = definition[name];
      if (!Array.isArray(list)) fail('invalid_scope', 'scope table: ' + name + ' has no grant list');
      const merged: Grant[] = [];
      for (let k = 0; k < list.length; k++) {
        const where = 'scope table ' + name;
        if (!list[k] || typeof list[k] !== 'object') fail('invalid_scope', where + ': grant is not an object');
        addGrant(merged, checkPath(list[k].path, where), checkMethods(list[k].methods, where));
      }
      this.names.push(name);
      this.grants.push(merged);
    }
  }

  /** The grants of one scope token, or null when the device does not define it. */
  lookup(token: string): Grant[] | null {
    const i = this.names.indexOf(token);
    return i < 0 ? null : this.grants[i];
  }
}

// ---------------------------------------------------------------- parsing

/** A decoded AIF value (array of [path, methods]) as a PermissionSet; also used to reload stored sets. */
export function fromAifValue(value: CborValue, options?: ScopeOptions | null): PermissionSet {
  if (!Array.isArray(value)) return fail('invalid_scope', 'AIF scope is not an array');
  const items = value as CborValue[];
  if (items.length > maxOf(options)) fail('invalid_scope', 'AIF scope has too many entries');
  const grants: Grant[] = [];
  for (let i = 0; i < items.length; i++) {
    const pair = items[i];
    const where = 'AIF entry ' + i;
    if (!Array.isArray(pair) || pair.length !== 2) fail('invalid_scope', where + ' is not a [path, permissions] pair');
    const p = pair as CborValue[];
    addGrant(grants, checkPath(p[0], where), checkMethods(p[1], where));
  }
  return { grants: grants, unknown: [] };
}

function parseAif(bytes: Uint8Array, options: ScopeOptions | null | undefined): PermissionSet {
  const codec = (options && options.codec) || portableCbor;
  let value: CborValue;
  try {
    value = codec.decode(bytes);
  } catch (e) {
    return fail('invalid_scope', 'AIF scope is not well-formed CBOR');
  }
  return fromAifValue(value, options);
}

function parseText(text: string, options: ScopeOptions | null | undefined): PermissionSet {
  const tokens = text.split(' ');
  if (tokens.length > maxOf(options)) fail('invalid_scope', 'text scope has too many tokens');
  const table = options && options.table;
  const grants: Grant[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!isScopeToken(t)) fail('invalid_scope', 'text scope is not space-separated scope tokens (RFC 6749 section 3.3)');
    const defined = table ? table.lookup(t) : null;
    if (defined === null) {
      if (unknown.indexOf(t) < 0) unknown.push(t);
      continue;
    }
    for (let k = 0; k < defined.length; k++) addGrant(grants, defined[k].path, defined[k].methods);
  }
  return { grants: grants, unknown: unknown };
}

/**
 * A token's raw scope as a PermissionSet: text through the device's table, a byte string as AIF.
 * Anything malformed fails with 'invalid_scope'.
 */
export function parseScope(raw: CborValue, options?: ScopeOptions | null): PermissionSet {
  if (typeof raw === 'string') return parseText(raw, options);
  if (raw instanceof Uint8Array) return parseAif(raw, options);
  return fail('invalid_scope', 'scope is neither a text nor a byte string');
}

/**
 * The part of `set` that this device can honour: paths it serves, methods those resources
 * take. A scope that covers nothing here is refused (RFC 9200 §5.10.1.1: invalid_scope).
 */
export function restrictTo(set: PermissionSet, resources: Grant[]): PermissionSet {
  const grants: Grant[] = [];
  for (let i = 0; i < set.grants.length; i++) {
    const g = set.grants[i];
    for (let k = 0; k < resources.length; k++) {
      if (resources[k].path === g.path) addGrant(grants, g.path, g.methods & resources[k].methods);
    }
  }
  if (grants.length === 0) fail('invalid_scope', 'the scope covers no resource of this device');
  return { grants: grants, unknown: set.unknown.slice() };
}

// ---------------------------------------------------------------- decisions

/** The AIF bit of a CoAP request method code (0.01 GET = 1 ... 0.07 iPATCH = 7), else 0. */
export function methodBit(code: number): number {
  return code >= 1 && code <= 7 && Math.floor(code) === code ? 1 << (code - 1) : 0;
}

function methodsOn(set: PermissionSet, path: string): number {
  for (let i = 0; i < set.grants.length; i++) if (set.grants[i].path === path) return set.grants[i].methods;
  return 0;
}

/** Whether the set allows the method (CoAP code) on the path (URI-local-part). */
export function allows(set: PermissionSet, path: string, methodCode: number): boolean {
  return (methodsOn(set, path) & methodBit(methodCode)) !== 0;
}

/** The decision with its reason: path not covered (4.03) versus method not covered (4.05). */
export function decide(set: PermissionSet, path: string, methodCode: number): Decision {
  const methods = methodsOn(set, path);
  if (methods === 0) return 'forbidden';
  return (methods & methodBit(methodCode)) !== 0 ? 'granted' : 'method_not_allowed';
}

/** The set as AIF (array of [path, methods]), for storage; text tokens are already resolved. */
export function toAifValue(set: PermissionSet): CborValue[] {
  const out: CborValue[] = [];
  for (let i = 0; i < set.grants.length; i++) out.push([set.grants[i].path, set.grants[i].methods]);
  return out;
}

/** A log line such as "/lock:GET,POST /vitals:GET". */
export function describePermissions(set: PermissionSet): string {
  const parts: string[] = [];
  for (let i = 0; i < set.grants.length; i++) {
    const names: string[] = [];
    for (let b = 0; b < METHOD_NAMES.length; b++) if (set.grants[i].methods & (1 << b)) names.push(METHOD_NAMES[b]);
    parts.push(set.grants[i].path + ':' + names.join(','));
  }
  return parts.join(' ');
}
