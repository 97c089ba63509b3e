/**
 * The Node host's CborCodec: cbor-x for speed, held to the portable codec's value model and rules.
 *
 * Same bytes out as `portableCbor` for every value both hold (deterministic encoding, RFC 8949
 * §4.2.1), and the same refusals in (well-formed input only, no duplicate map keys, integer or
 * text keys, strict UTF-8, bounded nesting), with one addition: integers beyond 2^53 decode to
 * bigint and encode back (Node only; the portable codec refuses them).
 *
 * What cbor-x cannot do, and what is done instead:
 * - It does not sort map keys: CborMaps become Maps built in key-encoding order.
 * - It writes no half or single floats exactly, no simple values, no tag numbers of 2^32 and up,
 *   and -2^64 as a bignum:
 *   those items are written here, and the containers around them are written piecewise (their
 *   head here, their children by cbor-x). Float-free messages go to cbor-x in one call.
 * - It decodes leniently (duplicate keys overwrite, bad UTF-8 becomes U+FFFD, many tags become
 *   Dates, Sets, typed arrays...): every input first passes a strict scan here, which also decides
 *   whether cbor-x would read it faithfully. Tags outside FAST_TAGS, simple values and
 *   indefinite-length strings are read by the scan's own reader instead (rare in COSE/CWT/OSCORE).
 */
import { isUtf8 } from 'node:buffer';
import { Encoder, Tag } from 'cbor-x';
import type { Options } from 'cbor-x';
import { fail } from '../../errors.ts';
import { CborMap, CborSimple, CborTag, MAX_SAFE } from '../../codec/cbor.ts';
import type { CborCodec, CborKey, CborValue } from '../../codec/cbor.ts';

/** Nesting bound, as in the portable codec (the root is depth 0). */
const MAX_DEPTH = 32;
const TWO_32 = 4294967296;
const TWO_64 = BigInt('18446744073709551616');
const MAX_SAFE_BIG = BigInt(MAX_SAFE);

/**
 * Every cbor-x option that changes the bytes or the values, set for plain CBOR: no records
 * (tags 105/57344+), no tag 259 on maps, no tag 64 on byte arrays, no structured-clone tags 28/29,
 * no packing (tag 51, simple-value references), no string bundles, no 32-bit float rounding, no
 * self-described tag, 64-bit integers as bigint, decoded maps as Maps (integer keys stay
 * integers), decoded byte strings copied out of the input, no toJSON(). (The last three options
 * are read by cbor-x 1.6 but missing from its typings.)
 */
const options: Options & { useTag259ForMaps: boolean; int64AsNumber: boolean; skipFunction: boolean } = {
  useRecords: false,
  mapsAsObjects: false,
  useTag259ForMaps: false,
  tagUint8Array: false,
  variableMapSize: true,
  structuredClone: false,
  pack: false,
  bundleStrings: false,
  useFloat32: 0,
  alwaysUseFloat: false,
  largeBigIntToFloat: false,
  useTimestamp32: false,
  int64AsNumber: false,
  copyBuffers: true,
  sequential: false,
  useSelfDescribedHeader: false,
  maxSharedStructures: 0,
  useToJSON: false,
  skipFunction: false,
};
const cx = new Encoder(options);

/**
 * Tag numbers cbor-x 1.6 returns as a plain Tag. It turns others into values of its own (0/1 Date,
 * 2/3 bigint, 64-86 typed arrays, 258 Set, 259 Map, 28/29 references, 105 and 57337+ records,
 * 55799 dropped...); the test re-derives that list from the installed cbor-x.
 */
export const FAST_TAGS: Array<[number, number]> = [
  [7, 26],
  [30, 50],
  [52, 63],
  [87, 104],
  [106, 215],
  [260, 27646],
];

function isFastTag(tag: number): boolean {
  for (const range of FAST_TAGS) if (tag >= range[0] && tag <= range[1]) return true;
  return false;
}

// ================================================================ encoder

/** Bytes cbor-x cannot write as wanted: a head written here, then children (cbor-x values or more pieces). */
class Piece {
  constructor(readonly head: Uint8Array, readonly items: unknown[]) {}
}

function head(major: number, arg: number): Uint8Array {
  const m = major << 5;
  if (arg < 24) return Uint8Array.of(m | arg);
  if (arg < 0x100) return Uint8Array.of(m | 24, arg);
  if (arg < 0x10000) return Uint8Array.of(m | 25, arg >> 8, arg & 255);
  const out = new Uint8Array(arg < TWO_32 ? 5 : 9);
  const view = new DataView(out.buffer);
  if (arg < TWO_32) {
    out[0] = m | 26;
    view.setUint32(1, arg);
  } else {
    out[0] = m | 27;
    view.setUint32(1, Math.floor(arg / TWO_32));
    view.setUint32(5, arg % TWO_32);
  }
  return out;
}

const F32 = new DataView(new ArrayBuffer(4));

/** Half-precision bits of v when v is exactly representable there, else -1. */
function toHalf(v: number): number {
  if (v !== v) return 0x7e00;
  if (Math.fround(v) !== v) return -1;
  F32.setFloat32(0, v);
  const bits = F32.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00;
  if (exp === 0) return mant === 0 ? sign : -1;
  const e = exp - 127;
  if (e > 15 || e < -24) return -1;
  if (e >= -14) return (mant & 0x1fff) === 0 ? sign | ((e + 15) << 10) | (mant >>> 13) : -1;
  const full = 0x800000 | mant;
  const shift = -(e + 1);
  return (full & ((1 << shift) - 1)) === 0 ? sign | (full >>> shift) : -1;
}

/** The shortest float encoding that keeps v (RFC 8949 §4.2.2 preferred serialization). */
function floatBytes(v: number): Uint8Array {
  const h = toHalf(v);
  if (h >= 0) return Uint8Array.of(0xf9, h >> 8, h & 255);
  if (Math.fround(v) === v) {
    const out = new Uint8Array(5);
    out[0] = 0xfa;
    new DataView(out.buffer).setFloat32(1, v);
    return out;
  }
  const out = new Uint8Array(9);
  out[0] = 0xfb;
  new DataView(out.buffer).setFloat64(1, v);
  return out;
}

function isSafeInt(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) <= MAX_SAFE;
}

function numberFor(v: number): unknown {
  if (!isSafeInt(v) || Object.is(v, -0)) return new Piece(floatBytes(v), []);
  // cbor-x writes integers of 32 bits and more as float64: give it a bigint for those
  return v >= TWO_32 || v < -TWO_32 ? BigInt(v) : v;
}

/** An integer beyond 2^53 in major type 0 or 1, written here (cbor-x turns -2^64 into a bignum tag). */
function bigintFor(v: bigint): unknown {
  if (v >= -MAX_SAFE_BIG && v <= MAX_SAFE_BIG) return numberFor(Number(v));
  if (v >= TWO_64 || v < -TWO_64) fail('unsupported_cbor', 'integer beyond 64 bits');
  const out = new Uint8Array(9);
  out[0] = v >= 0 ? 0x1b : 0x3b;
  new DataView(out.buffer).setBigUint64(1, v >= 0 ? v : -BigInt(1) - v);
  return new Piece(out, []);
}

/**
 * The §4.2.1 order of two keys (bytewise on their encodings), without encoding them: unsigned
 * integers ascending, then negative integers descending (-1 is 0x20), then text by UTF-8 length
 * and then bytes (code point order).
 */
function compareKeys(a: CborKey, b: CborKey): number {
  if (typeof a === 'number') {
    if (typeof b !== 'number') return -1;
    if (a >= 0) return b >= 0 ? a - b : -1;
    return b >= 0 ? 1 : b - a;
  }
  if (typeof b === 'number') return 1;
  const la = Buffer.byteLength(a, 'utf8');
  const lb = Buffer.byteLength(b, 'utf8');
  if (la !== lb) return la - lb;
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkText(s: string): void {
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) fail('unsupported_cbor', 'lone surrogate in text');
}

function checkKey(k: unknown): CborKey {
  if (typeof k === 'string') {
    checkText(k);
    return k;
  }
  if (typeof k === 'number' && isSafeInt(k)) return k + 0; // -0 is the key 0
  return fail('unsupported_cbor', 'map key is not an integer or text');
}

function mapFor(m: CborMap, depth: number): unknown {
  const n = m.keys.length;
  const order: Array<{ key: CborKey; value: CborValue }> = [];
  for (let i = 0; i < n; i++) order.push({ key: checkKey(m.keys[i]), value: m.values[i] });
  order.sort((a, b) => compareKeys(a.key, b.key));
  const keys: unknown[] = [];
  const values: unknown[] = [];
  let pieces = false;
  for (let i = 0; i < n; i++) {
    if (i > 0 && compareKeys(order[i - 1].key, order[i].key) === 0) fail('unsupported_cbor', 'duplicate map key');
    const k = order[i].key;
    keys.push(typeof k === 'number' ? numberFor(k) : k);
    const v = toCborX(order[i].value, depth + 1);
    if (v instanceof Piece) pieces = true;
    values.push(v);
  }
  if (pieces) {
    const items: unknown[] = [];
    for (let i = 0; i < n; i++) items.push(keys[i], values[i]);
    return new Piece(head(5, n), items);
  }
  const out = new Map<unknown, unknown>();
  for (let i = 0; i < n; i++) out.set(keys[i], values[i]);
  return out;
}

/** The value cbor-x writes as the deterministic encoding of v, or a Piece around what it cannot. */
function toCborX(v: CborValue, depth: number): unknown {
  if (depth > MAX_DEPTH) fail('unsupported_cbor', 'nesting too deep');
  switch (typeof v) {
    case 'number':
      return numberFor(v);
    case 'string':
      checkText(v);
      return v;
    case 'bigint':
      return bigintFor(v);
    case 'boolean':
    case 'undefined':
      return v;
  }
  if (v === null) return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) {
    const items = new Array<unknown>(v.length);
    let pieces = false;
    for (let i = 0; i < v.length; i++) {
      items[i] = toCborX(v[i], depth + 1);
      if (items[i] instanceof Piece) pieces = true;
    }
    return pieces ? new Piece(head(4, v.length), items) : items;
  }
  if (v instanceof CborMap) return mapFor(v, depth);
  if (v instanceof CborTag) {
    const t = v.tag;
    if (!(typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= MAX_SAFE)) {
      fail('unsupported_cbor', 'tag number is not an integer in 0..2^53-1');
    }
    const inner = toCborX(v.value, depth + 1);
    // cbor-x writes tag numbers in at most 32 bits
    if (inner instanceof Piece || t >= TWO_32) return new Piece(head(6, t), [inner]);
    return new Tag(inner, t);
  }
  if (v instanceof CborSimple) {
    const s = v.value;
    if (!(Number.isInteger(s) && s >= 0 && s <= 255 && (s < 20 || s >= 32))) {
      fail('unsupported_cbor', 'simple value outside 0..19, 32..255');
    }
    return new Piece(s < 20 ? Uint8Array.of(0xe0 | s) : Uint8Array.of(0xf8, s), []);
  }
  return fail('unsupported_cbor', 'value has no CBOR form');
}

function emit(p: Piece, out: Uint8Array[]): void {
  out.push(p.head);
  for (const item of p.items) {
    if (item instanceof Piece) emit(item, out);
    else out.push(new Uint8Array(cx.encode(item))); // a copy: cbor-x reuses its buffer
  }
}

export function encode(value: CborValue): Uint8Array {
  const x = toCborX(value, 0);
  if (!(x instanceof Piece)) return new Uint8Array(cx.encode(x)); // a plain Uint8Array, not a view of cbor-x's buffer
  const parts: Uint8Array[] = [];
  emit(x, parts);
  return new Uint8Array(Buffer.concat(parts));
}

// ================================================================ decoder

const BREAK = Symbol('break');
type Item = CborValue | typeof BREAK;

/**
 * Strict reader with the portable codec's rules and error kinds. With `build` false it only checks
 * (keys are still read, for the duplicate check) and notes whether cbor-x would read the input
 * faithfully; with `build` true it makes the values itself.
 */
class StrictReader {
  pos = 0;
  /** False once the input holds something cbor-x reads differently (tag, simple value, chunked string). */
  cborxFaithful = true;

  constructor(
    readonly buf: Uint8Array,
    readonly build: boolean,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) fail('malformed_cbor', 'truncated CBOR');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  /** The argument of an initial byte: a number up to 2^53 - 1, a bigint beyond, -1 for indefinite. */
  argument(info: number): number | bigint {
    if (info < 24) return info;
    const b = this.buf;
    const p = this.pos;
    if (info === 24) return this.byte();
    if (info === 25) {
      this.need(2);
      this.pos += 2;
      return (b[p] << 8) | b[p + 1];
    }
    if (info === 26) {
      this.need(4);
      this.pos += 4;
      return ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
    }
    if (info === 27) {
      this.need(8);
      this.pos += 8;
      const hi = ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
      const lo = ((b[p + 4] << 24) >>> 0) + ((b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]);
      if (hi <= 0x1fffff) return hi * TWO_32 + lo;
      return (BigInt(hi) << BigInt(32)) + BigInt(lo);
    }
    if (info === 31) return -1;
    return fail('malformed_cbor', 'reserved additional information');
  }

  /** An argument that must be a length or tag number the core can hold. */
  small(info: number): number {
    const a = this.argument(info);
    if (typeof a === 'bigint') return fail('unsupported_cbor', 'integer beyond 2^53');
    return a;
  }

  text(bytes: Uint8Array): string {
    if (isAscii(bytes)) {
      // short ASCII (most keys and protocol strings) is cheaper made here than through a Buffer
      if (bytes.length <= 16) {
        let s = '';
        for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
        return s;
      }
    } else if (!isUtf8(bytes)) fail('malformed_cbor', 'invalid UTF-8');
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  }

  chunks(major: number, depth: number): Uint8Array {
    this.cborxFaithful = false; // cbor-x has no indefinite-length strings
    const parts: Uint8Array[] = [];
    for (;;) {
      if (depth + 1 > MAX_DEPTH) fail('unsupported_cbor', 'nesting too deep');
      // chunks are definite-length strings of the same major type (RFC 8949 §3.2.3)
      const next = this.pos < this.buf.length ? this.buf[this.pos] : 0xff;
      if (next === 0xff) {
        this.byte();
        break;
      }
      if (next >> 5 !== major || (next & 31) === 31) fail('malformed_cbor', 'bad chunk in indefinite string');
      this.pos++;
      const n = this.small(next & 31);
      this.need(n);
      const chunk = this.buf.subarray(this.pos, this.pos + n);
      this.pos += n;
      if (major === 3 && !isUtf8(chunk)) fail('malformed_cbor', 'invalid UTF-8');
      parts.push(chunk);
    }
    return new Uint8Array(Buffer.concat(parts));
  }

  /** A map key: an integer the core can hold, or text. */
  key(depth: number): CborKey | typeof BREAK {
    if (depth > MAX_DEPTH) fail('unsupported_cbor', 'nesting too deep');
    const initial = this.pos < this.buf.length ? this.buf[this.pos] : -1;
    const major = initial >> 5;
    if (initial === 0xff || (major !== 0 && major !== 1 && major !== 3)) {
      const other = this.item(depth, true, true); // reads it, for the error of the portable codec's order
      if (other === BREAK) return BREAK;
      return fail('unsupported_cbor', 'map key is not an integer or text');
    }
    const k = this.item(depth, false, true);
    if (typeof k === 'bigint') return fail('unsupported_cbor', 'map key beyond 2^53');
    return k as CborKey;
  }

  item(depth: number, allowBreak: boolean, build: boolean): Item {
    if (depth > MAX_DEPTH) fail('unsupported_cbor', 'nesting too deep');
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 31;
    if (initial === 0xff) {
      if (!allowBreak) fail('malformed_cbor', 'unexpected break');
      return BREAK;
    }
    if (major === 7) return this.simple(info, build);
    const arg = this.argument(info);
    if (arg === -1 && (major === 0 || major === 1 || major === 6)) fail('malformed_cbor', 'indefinite length on a non-container');
    switch (major) {
      case 0:
        return arg;
      case 1:
        // -2^53 and below are bigints (as cbor-x gives them); the portable codec refuses them
        if (typeof arg === 'bigint' || arg === MAX_SAFE) return -BigInt(1) - BigInt(arg);
        return -1 - arg;
      case 2:
      case 3: {
        if (typeof arg === 'bigint') return fail('unsupported_cbor', 'integer beyond 2^53');
        let bytes: Uint8Array;
        if (arg === -1) bytes = this.chunks(major, depth);
        else {
          this.need(arg);
          bytes = this.buf.subarray(this.pos, this.pos + arg);
          this.pos += arg;
        }
        if (major === 3) {
          if (!build) {
            if (arg !== -1 && !isAscii(bytes) && !isUtf8(bytes)) fail('malformed_cbor', 'invalid UTF-8');
            return undefined;
          }
          return this.text(bytes);
        }
        return build ? new Uint8Array(bytes) : undefined;
      }
      case 4:
        return this.array(arg, depth, build);
      case 5:
        return this.map(arg, depth, build);
      default: {
        if (typeof arg === 'bigint') return fail('unsupported_cbor', 'integer beyond 2^53');
        if (!isFastTag(arg)) this.cborxFaithful = false;
        const inner = this.item(depth + 1, false, build);
        return build ? new CborTag(arg, inner as CborValue) : undefined;
      }
    }
  }

  simple(info: number, build: boolean): Item {
    if (info >= 20 && info <= 23) return info === 20 ? false : info === 21 ? true : info === 22 ? null : undefined;
    if (info < 20) {
      this.cborxFaithful = false;
      return build ? new CborSimple(info) : undefined;
    }
    if (info === 24) {
      const v = this.byte();
      if (v < 32) fail('malformed_cbor', 'simple value in two bytes below 32');
      this.cborxFaithful = false;
      return build ? new CborSimple(v) : undefined;
    }
    if (info >= 25 && info <= 27) {
      const n = info === 25 ? 2 : info === 26 ? 4 : 8;
      this.need(n);
      const p = this.pos;
      this.pos += n;
      if (!build) return undefined;
      const view = new DataView(this.buf.buffer, this.buf.byteOffset + p, n);
      if (n === 8) return view.getFloat64(0);
      if (n === 4) return view.getFloat32(0);
      return halfToNumber(view.getUint16(0));
    }
    return fail('malformed_cbor', 'reserved simple encoding');
  }

  array(arg: number | bigint, depth: number, build: boolean): Item {
    const out: CborValue[] | undefined = build ? [] : undefined;
    if (arg === -1) {
      for (;;) {
        const v = this.item(depth + 1, true, build);
        if (v === BREAK) break;
        if (out) out.push(v);
      }
      return out;
    }
    // each item takes at least one byte: a count beyond the input is malformed, not an allocation
    if (typeof arg === 'bigint') return fail('unsupported_cbor', 'integer beyond 2^53');
    this.need(arg);
    for (let i = 0; i < arg; i++) {
      const v = this.item(depth + 1, false, build);
      if (out) out.push(v as CborValue);
    }
    return out;
  }

  map(arg: number | bigint, depth: number, build: boolean): Item {
    if (typeof arg === 'bigint') return fail('unsupported_cbor', 'integer beyond 2^53');
    if (arg >= 0) this.need(arg * 2);
    const m = build ? new CborMap() : undefined;
    // keys seen: a list while the map is small (COSE headers, claims), a Set beyond
    const seen: CborKey[] = [];
    let many: Set<CborKey> | undefined;
    for (let i = 0; arg < 0 || i < arg; i++) {
      const k = this.key(depth + 1);
      if (k === BREAK) {
        if (arg >= 0) fail('malformed_cbor', 'unexpected break');
        break;
      }
      if (many === undefined && seen.length >= 16) many = new Set(seen);
      if (many ? many.has(k) : seen.indexOf(k) >= 0) fail('malformed_cbor', 'duplicate map key');
      if (many) many.add(k);
      else seen.push(k);
      const v = this.item(depth + 1, false, build);
      if (m) m.set(k, v as CborValue);
    }
    return m;
  }
}

function isAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) return false;
  return true;
}

function halfToNumber(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  let v: number;
  if (e === 0) v = m / 16777216;
  else if (e === 31) v = m ? NaN : Infinity;
  else v = ((1024 + m) * 2 ** (e - 15)) / 1024;
  return h & 0x8000 ? -v : v;
}

/** cbor-x's values in the project's value model (the scan has already checked everything). */
function fromCborX(v: unknown): CborValue {
  switch (typeof v) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'undefined':
      return v;
    case 'bigint':
      return v >= -MAX_SAFE_BIG && v <= MAX_SAFE_BIG ? Number(v) : v;
  }
  if (v === null) return null;
  if (v instanceof Uint8Array) return v.constructor === Uint8Array ? v : new Uint8Array(v);
  if (Array.isArray(v)) {
    const out = new Array<CborValue>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = fromCborX(v[i]);
    return out;
  }
  if (v instanceof Map) {
    const m = new CborMap();
    for (const entry of v) m.set(fromCborX(entry[0]) as CborKey, fromCborX(entry[1]));
    return m;
  }
  if (v instanceof Tag) return new CborTag(Number(v.tag), fromCborX(v.value));
  return fail('internal', 'cbor-x returned an unexpected value');
}

export function decode(bytes: Uint8Array): CborValue {
  if (!(bytes instanceof Uint8Array)) fail('malformed_cbor', 'input is not bytes');
  // a fresh plain view: cbor-x caches a DataView on its input, and copies byte strings with its class
  const input = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const scan = new StrictReader(input, false);
  scan.item(0, false, false);
  if (scan.pos !== input.length) fail('malformed_cbor', 'trailing bytes after CBOR item');
  if (!scan.cborxFaithful) return new StrictReader(input, true).item(0, false, true) as CborValue;
  let raw: unknown;
  try {
    raw = cx.decode(input);
  } catch {
    return fail('internal', 'cbor-x refused input the scan accepted');
  }
  return fromCborX(raw);
}

export const cborX: CborCodec = { name: 'cbor-x', encode: encode, decode: decode };
