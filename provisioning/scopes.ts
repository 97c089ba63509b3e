/**
 * Text scopes a device understands: the defaults of its kind (device/resources/scopes.ts), or
 * a table from a JSON file (`device --scopes FILE`):
 *
 *   { "scopes": { "door:open": [["/lock", ["GET", "POST"]]], "door:peek": [["/lock", 1]] },
 *     "once": ["door:open"] }
 *
 * methods as names or as the AIF bit set (RFC 9237 §3: GET 1, POST 2, PUT 4, ...). Every path
 * must be a resource of the device's kind, with methods it takes; "once" lists the scope
 * tokens whose tokens are single-use. The same CBOR form as the keystore's `scopes`.
 */
import { CborMap, CborValue } from '../device/codec/cbor.ts';
import { fail } from '../device/errors.ts';
import { AifMethod } from '../device/ace/numbers.ts';
import type { Grant, TextScopeDefinition } from '../device/ace/scope.ts';
import { LOCK_RESOURCES, LOCK_SCOPES, SENSOR_RESOURCES, SENSOR_SCOPES } from '../device/resources/scopes.ts';

export interface ScopeConfig {
  scopes: TextScopeDefinition;
  singleUse: string[];
}

const METHOD_BITS: { [name: string]: number } = {
  GET: AifMethod.GET, POST: AifMethod.POST, PUT: AifMethod.PUT, DELETE: AifMethod.DELETE,
  FETCH: AifMethod.FETCH, PATCH: AifMethod.PATCH, iPATCH: AifMethod.iPATCH,
};

function copyTable(t: TextScopeDefinition): TextScopeDefinition {
  const out: TextScopeDefinition = {};
  for (const name of Object.keys(t)) out[name] = t[name].map((g) => ({ path: g.path, methods: g.methods }));
  return out;
}

export function resourcesOf(kind: string): Grant[] {
  return kind === 'lock' ? LOCK_RESOURCES : SENSOR_RESOURCES;
}

/** The defaults a device of `kind` gets (the device runtime's own, written out explicitly). */
export function defaultScopes(kind: string): ScopeConfig {
  if (kind === 'lock') return { scopes: copyTable(LOCK_SCOPES), singleUse: ['lock:open-once'] };
  return { scopes: copyTable(SENSOR_SCOPES), singleUse: [] };
}

function bad(where: string, message: string): never {
  return fail('bad_request', where + ': ' + message);
}

function isScopeToken(s: string): boolean {
  return /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s); // RFC 6749 §3.3 scope-token
}

function methodBits(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 127) return v;
  if (!Array.isArray(v) || v.length === 0) return bad(where, 'methods must be a non-empty list of names or an AIF number');
  let bits = 0;
  for (const name of v) {
    if (typeof name !== 'string' || METHOD_BITS[name] === undefined) return bad(where, 'unknown method ' + JSON.stringify(name));
    bits |= METHOD_BITS[name];
  }
  return bits;
}

/** Parses and checks a scopes file's JSON against the resources of `kind`. */
export function parseScopeFile(text: string, kind: string, where: string): ScopeConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad(where, 'not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad(where, 'must be a JSON object {"scopes": {...}, "once": [...]}');
  const o = json as { scopes?: unknown; once?: unknown };
  if (typeof o.scopes !== 'object' || o.scopes === null || Array.isArray(o.scopes)) return bad(where, '"scopes" must be an object of scope token -> grants');
  const resources = resourcesOf(kind);
  const table: TextScopeDefinition = {};
  for (const [name, grants] of Object.entries(o.scopes as { [k: string]: unknown })) {
    if (!isScopeToken(name)) bad(where, 'scope token ' + JSON.stringify(name) + ' is not a valid scope token');
    if (!Array.isArray(grants) || grants.length === 0) return bad(where, JSON.stringify(name) + ' needs a non-empty list of [path, methods]');
    table[name] = grants.map((g) => {
      if (!Array.isArray(g) || g.length !== 2 || typeof g[0] !== 'string') return bad(where, JSON.stringify(name) + ': a grant is [path, methods]');
      const methods = methodBits(g[1], where + ' ' + JSON.stringify(name));
      const resource = resources.find((r) => r.path === g[0]);
      if (resource === undefined) return bad(where, JSON.stringify(name) + ': a ' + kind + ' has no resource ' + g[0]);
      if ((methods & ~resource.methods) !== 0) bad(where, JSON.stringify(name) + ': ' + g[0] + ' does not take all those methods');
      return { path: g[0] as string, methods };
    });
  }
  if (Object.keys(table).length === 0) bad(where, '"scopes" is empty');
  const singleUse: string[] = [];
  if (o.once !== undefined) {
    if (!Array.isArray(o.once)) return bad(where, '"once" must be a list of scope tokens');
    for (const s of o.once) {
      if (typeof s !== 'string' || table[s] === undefined) bad(where, '"once" names ' + JSON.stringify(s) + ', which "scopes" does not define');
      singleUse.push(s as string);
    }
  }
  return { scopes: table, singleUse };
}

/** The CBOR form (keystore and record): scope token -> [[path, methods], ...]. */
export function scopeTableToCbor(t: TextScopeDefinition): CborMap {
  const m = new CborMap();
  for (const name of Object.keys(t)) m.set(name, t[name].map((g) => [g.path, g.methods] as CborValue));
  return m;
}

export function scopeTableFromCbor(v: CborValue, where: string): TextScopeDefinition {
  if (!(v instanceof CborMap)) return bad(where, 'scopes is not a map');
  const t: TextScopeDefinition = {};
  v.forEach((grants, name) => {
    if (typeof name !== 'string' || !Array.isArray(grants)) bad(where, 'scopes entry is malformed');
    t[name as string] = (grants as CborValue[]).map((g) => {
      if (!Array.isArray(g) || g.length !== 2 || typeof g[0] !== 'string' || typeof g[1] !== 'number') return bad(where, 'scope grant is not [path, methods]');
      return { path: g[0], methods: g[1] };
    });
  });
  return t;
}
