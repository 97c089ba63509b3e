/**
 * CBOR (RFC 8949) for the portable core: a value model Espruino can hold, and a codec.
 *
 * Value model: unsigned/negative integers and floats are numbers, byte strings Uint8Array,
 * text strings string, arrays Array, maps CborMap (Espruino has no Map), tags CborTag,
 * true/false/null/undefined as themselves, other simple values CborSimple.
 * Integers beyond 2^53 are refused, never rounded (a number beyond 2^53 is encoded as the float it
 * is). Encoding is deterministic (§4.2.1):
 * preferred (shortest) argument encodings, definite lengths, map keys sorted bytewise.
 * Decoding is strict: well-formed input only, no duplicate map keys, bounded nesting.
 */
import { fail } from '../errors.ts';
import { utf8Decode, utf8Encode } from './bytes.ts';

export type CborKey = number | string;
export type CborValue =
  | number
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | CborMap
  | CborTag
  | CborSimple
  | bigint; // only from the Node codec (cbor-x) for integers beyond 2^53; the core never makes one

/** A CBOR map with integer or text keys, in insertion order; small maps, linear lookup. */
export class CborMap {
  readonly keys: CborKey[] = [];
  readonly values: CborValue[] = [];

  get size(): number {
    return this.keys.length;
  }

  has(key: CborKey): boolean {
    return this.keys.indexOf(key) >= 0;
  }

  get(key: CborKey): CborValue {
    const i = this.keys.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }

  set(key: CborKey, value: CborValue): CborMap {
    const i = this.keys.indexOf(key);
    if (i < 0) {
      this.keys.push(key);
      this.values.push(value);
    } else this.values[i] = value;
    return this;
  }

  /** Removes a key and its value; attached below the class. */
  declare delete: (key: CborKey) => boolean;

  forEach(fn: (value: CborValue, key: CborKey) => void): void {
    for (let i = 0; i < this.keys.length; i++) fn(this.values[i], this.keys[i]);
  }
}

// Espruino's parser refuses a reserved word as a class method name (`delete(key) {...}` is a
// SyntaxError there), while a property of that name is fine: the method is attached here.
CborMap.prototype.delete = function (this: CborMap, key: CborKey): boolean {
  const i = this.keys.indexOf(key);
  if (i < 0) return false;
  this.keys.splice(i, 1);
  this.values.splice(i, 1);
  return true;
};

/** Builds a CborMap from [key, value] pairs: cborMap([[1, 'a'], [2, h]]). */
export function cborMap(pairs: Array<[CborKey, CborValue]>): CborMap {
  const m = new CborMap();
  for (let i = 0; i < pairs.length; i++) m.set(pairs[i][0], pairs[i][1]);
  return m;
}

export class CborTag {
  constructor(readonly tag: number, readonly value: CborValue) {}
}

/** A simple value other than false/true/null/undefined (RFC 8949 §3.3). */
export class CborSimple {
  constructor(readonly value: number) {}
}

/** What the protocol layers use to encode and decode; hosts may supply another (cbor-x). */
export interface CborCodec {
  readonly name: string;
  encode(value: CborValue): Uint8Array;
  /** Exactly one data item, no trailing bytes; throws CoreError 'malformed_cbor'/'unsupported_cbor'. */
  decode(bytes: Uint8Array): CborValue;
}

const TWO_32 = 4294967296;
/** 2^53 - 1; Espruino has no Number.MAX_SAFE_INTEGER. */
export const MAX_SAFE = 9007199254740991;
const MAX_DEPTH = 32;

function isInteger(v: number): boolean {
  return isFinite(v) && Math.floor(v) === v;
}

function isUint(v: number): boolean {
  return typeof v === 'number' && isInteger(v) && v >= 0 && v <= MAX_SAFE;
}

// ---------------------------------------------------------------- encoder

class Writer {
  buf = new Uint8Array(64);
  len = 0;

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Major type and argument in the shortest form (preferred serialization). */
  head(major: number, arg: number): void {
    const m = major << 5;
    if (arg < 24) this.byte(m | arg);
    else if (arg < 0x100) { this.byte(m | 24); this.byte(arg); }
    else if (arg < 0x10000) { this.byte(m | 25); this.byte(arg >> 8); this.byte(arg & 255); }
    else if (arg < TWO_32) {
      this.byte(m | 26);
      this.u32(arg);
    } else {
      this.byte(m | 27);
      this.u32(Math.floor(arg / TWO_32));
      this.u32(arg % TWO_32);
    }
  }

  u32(v: number): void {
    this.byte((v >>> 24) & 255);
    this.byte((v >>> 16) & 255);
    this.byte((v >>> 8) & 255);
    this.byte(v & 255);
  }

  result(): Uint8Array {
    // a copy through the constructor: Espruino's Uint8Array slice() returns a plain Array
    return new Uint8Array(this.buf.subarray(0, this.len));
  }
}

// Float widths are worked out on the bits, with integer operations only: Espruino's Math.pow(2, n)
// is inexact for many n and its parser misreads some float literals (6.103515625e-5), so neither
// may decide which width keeps a value.
const F32 = new DataView(new ArrayBuffer(4));

/** Half-precision bits of v when v is exactly representable there, else -1. */
function toHalf(v: number): number {
  if (v !== v) return 0x7e00;
  F32.setFloat32(0, v);
  if (F32.getFloat32(0) !== v) return -1; // not even single precision
  const bits = F32.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00; // infinities (NaN handled above)
  if (exp === 0) return mant === 0 ? sign : -1; // zeros; single subnormals are far below half range
  const e = exp - 127;
  if (e > 15 || e < -24) return -1;
  if (e >= -14) return (mant & 0x1fff) === 0 ? sign | ((e + 15) << 10) | (mant >>> 13) : -1;
  // half subnormal: m * 2^-24 with m = (1.mant) * 2^(e + 24), shifted right by -(e + 1)
  const full = 0x800000 | mant;
  const shift = -(e + 1);
  return (full & ((1 << shift) - 1)) === 0 ? sign | (full >>> shift) : -1;
}

/** One scratch view for float encoding: a float is encoded often (timestamps), allocating each time is not needed. */
const FLOAT_VIEW = new DataView(new ArrayBuffer(8));
const FLOAT_BYTES = new Uint8Array(FLOAT_VIEW.buffer);

function writeFloat(w: Writer, v: number): void {
  const half = toHalf(v);
  if (half >= 0) {
    w.byte(0xf9);
    w.byte(half >> 8);
    w.byte(half & 255);
    return;
  }
  FLOAT_VIEW.setFloat32(0, v);
  if (FLOAT_VIEW.getFloat32(0) === v) {
    w.byte(0xfa);
    w.bytes(FLOAT_BYTES.subarray(0, 4));
    return;
  }
  FLOAT_VIEW.setFloat64(0, v);
  w.byte(0xfb);
  w.bytes(FLOAT_BYTES);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function writeValue(w: Writer, v: CborValue, depth: number): void {
  if (depth > MAX_DEPTH) fail('unsupported_cbor', 'nesting too deep');
  if (typeof v === 'number') {
    // safe integers as integers; fractions, -0, NaN, infinities and numbers beyond 2^53 (which a
    // number cannot hold as exact integers) as the shortest float that keeps the value
    if (isInteger(v) && Math.abs(v) <= MAX_SAFE && !(v === 0 && 1 / v < 0)) {
      if (v >= 0) w.head(0, v);
      else w.head(1, -1 - v);
    } else writeFloat(w, v);
  } else if (typeof v === 'string') {
    const b = utf8Encode(v);
    w.head(3, b.length);
    w.bytes(b);
  } else if (v instanceof Uint8Array) {
    w.head(2, v.length);
    w.bytes(v);
  } else if (Array.isArray(v)) {
    w.head(4, v.length);
    for (let i = 0; i < v.length; i++) writeValue(w, v[i], depth + 1);
  } else if (v instanceof CborMap) {
    writeMap(w, v, depth);
  } else if (v instanceof CborTag) {
    if (!isUint(v.tag)) fail('unsupported_cbor', 'tag number is not an integer in 0..2^53-1');
    w.head(6, v.tag);
    writeValue(w, v.value, depth + 1);
  } else if (v === false) w.byte(0xf4);
  else if (v === true) w.byte(0xf5);
  else if (v === null) w.byte(0xf6);
  else if (v === undefined) w.byte(0xf7);
  else if (v instanceof CborSimple) {
    // 20..23 are false/true/null/undefined, 24..31 are not well-formed (RFC 8949 §3.3)
    const s = v.value;
    if (!isUint(s) || s > 255 || (s >= 20 && s < 32)) fail('unsupported_cbor', 'simple value outside 0..19, 32..255');
    if (s < 20) w.byte(0xe0 | s);
    else { w.byte(0xf8); w.byte(s); }
  } else fail('unsupported_cbor', 'value has no CBOR form');
}

function writeMap(w: Writer, m: CborMap, depth: number): void {
  const entries: Array<{ key: Uint8Array; value: CborValue }> = [];
  for (let i = 0; i < m.keys.length; i++) {
    const k = m.keys[i];
    if (typeof k !== 'string' && !(typeof k === 'number' && isInteger(k) && Math.abs(k) <= MAX_SAFE)) {
      fail('unsupported_cbor', 'map key is not an integer or text');
    }
    const kw = new Writer();
    writeValue(kw, typeof k === 'number' ? k + 0 : k, depth + 1); // -0 is the key 0
    entries.push({ key: kw.result(), value: m.values[i] });
  }
  entries.sort((a, b) => compareBytes(a.key, b.key));
  w.head(5, entries.length);
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && compareBytes(entries[i - 1].key, entries[i].key) === 0) fail('unsupported_cbor', 'duplicate map key');
    w.bytes(entries[i].key);
    writeValue(w, entries[i].value, depth + 1);
  }
}

export function encode(value: CborValue): Uint8Array {
  const w = new Writer();
  writeValue(w, value, 0);
  return w.result();
}

// ---------------------------------------------------------------- decoder

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) fail('malformed_cbor', 'truncated CBOR');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  take(n: number): Uint8Array {
    this.need(n);
    // a copy (never a view of the input, nor a Buffer), made through the constructor: Espruino's
    // Uint8Array slice() returns a plain Array
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** The argument of an initial byte; -1 for indefinite length (info 31). */
  argument(info: number): number {
    if (info < 24) return info;
    if (info === 24) return this.byte();
    if (info === 25) return this.byte() * 256 + this.byte();
    if (info === 26) return this.u32();
    if (info === 27) {
      const hi = this.u32();
      const lo = this.u32();
      if (hi > 0x1fffff) fail('unsupported_cbor', 'integer beyond 2^53');
      return hi * TWO_32 + lo;
    }
    if (info === 31) return -1;
    return fail('malformed_cbor', 'reserved additional information');
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] << 24) >>> 0) + (b[p + 1] << 16) + (b[p + 2] << 8) + b[p + 3];
  }
}

/** A half-precision value through the single-precision bits that hold it exactly. */
function halfToNumber(h: number): number {
  const sign = (h & 0x8000) << 16;
  let e = (h >> 10) & 0x1f;
  let m = h & 0x3ff;
  if (e === 31) return m ? NaN : sign ? -Infinity : Infinity;
  if (e === 0) {
    if (m === 0) {
      F32.setUint32(0, sign >>> 0);
      return F32.getFloat32(0); // keeps -0
    }
    e = 1; // subnormal: normalise m * 2^-24 into the single format
    while ((m & 0x400) === 0) {
      m <<= 1;
      e--;
    }
    m &= 0x3ff;
  }
  F32.setUint32(0, (sign | ((e + 112) << 23) | (m << 13)) >>> 0);
  return F32.getFloat32(0);
}

/** Sentinel for the "break" stop code inside indefinite-length items. */
const BREAK = new CborSimple(-1);

function readChunks(r: Reader, major: number, depth: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    // chunks are definite-length strings of the same major type (RFC 8949 §3.2.3)
    const next = r.pos < r.buf.length ? r.buf[r.pos] : 0xff;
    if (next !== 0xff && (next >> 5 !== major || (next & 31) === 31)) fail('malformed_cbor', 'bad chunk in indefinite string');
    const item = readItem(r, depth + 1, true);
    if (item === BREAK) break;
    if (major === 2 && !(item instanceof Uint8Array)) fail('malformed_cbor', 'bad chunk in indefinite byte string');
    if (major === 3 && typeof item !== 'string') fail('malformed_cbor', 'bad chunk in indefinite text string');
    const b = major === 2 ? (item as Uint8Array) : utf8Encode(item as string);
    chunks.push(b);
    total += b.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], off);
    off += chunks[i].length;
  }
  return out;
}

function readItem(r: Reader, depth: number, allowBreak: boolean): CborValue {
  if (depth > MAX_DEPTH) fail('unsupported_cbor', 'nesting too deep');
  const initial = r.byte();
  const major = initial >> 5;
  const info = initial & 31;
  if (initial === 0xff) {
    if (!allowBreak) fail('malformed_cbor', 'unexpected break');
    return BREAK;
  }
  if (major === 7) {
    if (info < 20) return new CborSimple(info);
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info === 23) return undefined;
    if (info === 24) {
      const v = r.byte();
      if (v < 32) fail('malformed_cbor', 'simple value in two bytes below 32');
      return new CborSimple(v);
    }
    if (info === 25) return halfToNumber(r.byte() * 256 + r.byte());
    if (info === 26 || info === 27) {
      const n = info === 26 ? 4 : 8;
      const b = r.take(n);
      const view = new DataView(b.buffer, b.byteOffset, n);
      return n === 4 ? view.getFloat32(0) : view.getFloat64(0);
    }
    return fail('malformed_cbor', 'reserved simple encoding');
  }
  const arg = r.argument(info);
  if (arg < 0 && (major === 0 || major === 1 || major === 6)) fail('malformed_cbor', 'indefinite length on a non-container');
  switch (major) {
    case 0:
      return arg;
    case 1:
      if (arg === MAX_SAFE) fail('unsupported_cbor', 'integer beyond 2^53');
      return -1 - arg;
    case 2:
      return arg < 0 ? readChunks(r, 2, depth) : r.take(arg);
    case 3:
      return utf8Decode(arg < 0 ? readChunks(r, 3, depth) : r.take(arg));
    case 4: {
      const out: CborValue[] = [];
      if (arg < 0) {
        for (;;) {
          const item = readItem(r, depth + 1, true);
          if (item === BREAK) break;
          out.push(item);
        }
      } else {
        // each item takes at least one byte: a length beyond the input is malformed, not an allocation
        r.need(arg);
        for (let i = 0; i < arg; i++) out.push(readItem(r, depth + 1, false));
      }
      return out;
    }
    case 5: {
      const m = new CborMap();
      if (arg >= 0) r.need(arg * 2);
      for (let i = 0; arg < 0 || i < arg; i++) {
        const keyMajor = r.pos < r.buf.length ? r.buf[r.pos] >> 5 : 0;
        const key = readItem(r, depth + 1, arg < 0);
        if (key === BREAK) break;
        // integers or text only: a float key 1.0 would come back as the integer key 1
        if (keyMajor !== 0 && keyMajor !== 1 && keyMajor !== 3) fail('unsupported_cbor', 'map key is not an integer or text');
        if (m.has(key as CborKey)) fail('malformed_cbor', 'duplicate map key');
        m.set(key as CborKey, readItem(r, depth + 1, false));
      }
      return m;
    }
    default: // 6
      return new CborTag(arg, readItem(r, depth + 1, false));
  }
}

export function decode(bytes: Uint8Array): CborValue {
  if (!(bytes instanceof Uint8Array)) fail('malformed_cbor', 'input is not bytes');
  const r = new Reader(bytes);
  const v = readItem(r, 0, false);
  if (r.pos !== bytes.length) fail('malformed_cbor', 'trailing bytes after CBOR item');
  return v;
}

/** The portable codec: what Espruino runs, and a reference for the Node one. */
export const portableCbor: CborCodec = { name: 'portable', encode: encode, decode: decode };
