/**
 * A CBOR diagnostic notation printer (EDN, RFC 8949 §8 and its extensions: h'' byte strings,
 * << >> embedded CBOR, / comments /), annotated by a schema: label names after map keys
 * (`/ iss / 1: ...`), value names after values (`-8 / EdDSA /`), embedded CBOR opened, and
 * secret byte strings masked (`h'…' / masked 16 bytes /`) unless revealed.
 *
 * With `reveal`, the text parses back to the same CBOR bytes: byte strings are shown as
 * << >> only when re-encoding their content gives the very bytes they hold, and comments
 * never contain '/'.
 */
import { CborMap, CborSimple, CborTag, decode, encode } from '../device/codec/cbor.ts';
import type { CborKey, CborValue } from '../device/codec/cbor.ts';
import { bytesEqual, toHex } from '../device/codec/bytes.ts';

export interface Field {
  /** Shown as a comment before the key (map) or the item (array). */
  label?: string;
  schema?: Schema;
}

export interface Schema {
  /** Map entries: the field of a key. */
  field?: (key: CborKey, map: CborMap) => Field | undefined;
  /** Array items: the field of an index. */
  item?: (index: number, array: CborValue[]) => Field | undefined;
  /** A byte string holding CBOR: shown as << >> with this schema. */
  embedded?: Schema;
  /** The content of a tag. */
  tagged?: Schema;
  /** A comment after the value (a name, a date). */
  note?: (value: CborValue) => string | null;
  /** A byte string that is key material: masked unless revealed. */
  secret?: boolean;
}

export interface EdnOptions {
  reveal: boolean;
}

const INDENT = '  ';
const INLINE_WIDTH = 100;

/** Comment text: EDN comments end at the next '/'. */
export function comment(text: string): string {
  return '/ ' + text.replace(/\//g, '-') + ' /';
}

function isInteger(v: number): boolean {
  return Number.isFinite(v) && Math.floor(v) === v && !Object.is(v, -0);
}

function number(v: number): string {
  if (isInteger(v)) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v);
  return /[.e]/.test(s) ? s : s + '.0';
}

/** The decoded content of a byte string when it is CBOR that re-encodes to exactly these bytes. */
function embeddedValue(b: Uint8Array): { ok: true; value: CborValue } | { ok: false } {
  if (b.length === 0) return { ok: false };
  try {
    const value = decode(b);
    if (bytesEqual(encode(value), b)) return { ok: true, value };
  } catch {
    // not CBOR, or not in the form this codec writes
  }
  return { ok: false };
}

/** What may sit in an array printed on one line: no maps, no long byte strings. */
function isSmall(v: CborValue): boolean {
  if (Array.isArray(v)) return v.every(isSmall);
  return !(v instanceof CborMap) && !(v instanceof CborTag) && !(v instanceof Uint8Array && v.length > 24);
}

function withNote(text: string, v: CborValue, schema: Schema | undefined): string {
  const note = schema && schema.note ? schema.note(v) : null;
  return note ? text + ' ' + comment(note) : text;
}

function bytesText(v: Uint8Array, schema: Schema | undefined, o: EdnOptions, depth: number): string {
  if (schema && schema.secret && !o.reveal) return "h'…' " + comment('masked ' + v.length + ' bytes');
  if (schema && schema.embedded) {
    const e = embeddedValue(v);
    if (e.ok) return '<< ' + print(e.value, schema.embedded, o, depth) + ' >>';
  }
  return withNote("h'" + toHex(v) + "'", v, schema);
}

function keyText(k: CborKey): string {
  return typeof k === 'string' ? JSON.stringify(k) : String(k);
}

function print(v: CborValue, schema: Schema | undefined, o: EdnOptions, depth: number): string {
  if (typeof v === 'number') return withNote(number(v), v, schema);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return withNote(JSON.stringify(v), v, schema);
  if (v === true || v === false || v === null) return withNote(String(v), v, schema);
  if (v === undefined) return 'undefined';
  if (v instanceof Uint8Array) return bytesText(v, schema, o, depth);
  if (v instanceof CborSimple) return 'simple(' + v.value + ')';
  if (v instanceof CborTag) return withNote(v.tag + '(' + print(v.value, schema && schema.tagged, o, depth) + ')', v, schema);
  const pad = INDENT.repeat(depth + 1);
  const end = INDENT.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const items = v.map((item, i) => {
      const f = schema && schema.item ? schema.item(i, v) : undefined;
      const text = print(item, f && f.schema, o, depth + 1);
      return f && f.label ? comment(f.label) + ' ' + text : text;
    });
    const inline = '[' + items.join(', ') + ']';
    if (v.every(isSmall) && inline.length <= INLINE_WIDTH && inline.indexOf('\n') < 0) return withNote(inline, v, schema);
    return withNote('[\n' + items.map((s) => pad + s).join(',\n') + '\n' + end + ']', v, schema);
  }
  if (v instanceof CborMap) {
    if (v.size === 0) return '{}';
    const entries: string[] = [];
    v.forEach((value, key) => {
      const f = schema && schema.field ? schema.field(key, v) : undefined;
      const label = f && f.label ? comment(f.label) + ' ' : '';
      entries.push(pad + label + keyText(key) + ': ' + print(value, f && f.schema, o, depth + 1));
    });
    return withNote('{\n' + entries.join(',\n') + '\n' + end + '}', v, schema);
  }
  return 'undefined';
}

/** EDN of a decoded CBOR value under `schema` (null: plain EDN). */
export function toEdn(v: CborValue, schema: Schema | null, o: EdnOptions): string {
  return print(v, schema === null ? undefined : schema, o, 0);
}
