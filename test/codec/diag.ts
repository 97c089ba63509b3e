/**
 * An independent reading of CBOR diagnostic notation (RFC 8949 §8, the subset of Appendix A) and
 * an independent preferred-serialization encoder, so the vector tests compare the codecs against
 * values and bytes computed from the RFC's diagnostic column, not against the codecs themselves.
 */
import { CborMap, CborSimple, CborTag } from '../../device/codec/cbor.ts';
import type { CborKey, CborValue } from '../../device/codec/cbor.ts';

const TWO_64 = 1n << 64n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Parses one diagnostic item; integers of 64 bits and more become bignum tags 2/3 (RFC 8949 §3.4.3). */
export function parseDiag(text: string): CborValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (s: string): void => {
    ws();
    if (!text.startsWith(s, i)) throw new Error(`expected ${s} at ${i} in ${text}`);
    i += s.length;
  };
  const peek = (s: string): boolean => {
    ws();
    return text.startsWith(s, i);
  };
  const list = (close: string): CborValue[] => {
    const out: CborValue[] = [];
    if (peek('_')) i++; // indefinite marker: same value
    while (!peek(close)) {
      out.push(item());
      if (peek(',')) i++;
    }
    expect(close);
    return out;
  };
  const integer = (big: bigint): CborValue => {
    if (big >= -MAX_SAFE && big <= MAX_SAFE) return Number(big);
    if (big < TWO_64 && big >= -TWO_64) return big;
    const neg = big < 0n;
    let n = neg ? -1n - big : big;
    const bytes: number[] = [];
    while (n > 0n) {
      bytes.unshift(Number(n & 255n));
      n >>= 8n;
    }
    return new CborTag(neg ? 3 : 2, Uint8Array.from(bytes));
  };
  const item = (): CborValue => {
    ws();
    for (const [word, value] of [
      ['false', false],
      ['true', true],
      ['null', null],
      ['undefined', undefined],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as Array<[string, CborValue]>) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    if (text.startsWith('simple(', i)) {
      i += 7;
      const m = /^\d+/.exec(text.slice(i))!;
      i += m[0].length;
      expect(')');
      return new CborSimple(Number(m[0]));
    }
    if (text.startsWith("h'", i)) {
      const end = text.indexOf("'", i + 2);
      const hex = text.slice(i + 2, end).replace(/\s/g, '');
      i = end + 1;
      return Uint8Array.from(Buffer.from(hex, 'hex'));
    }
    if (text[i] === '"') {
      // a JSON string literal: the RFC's escapes (\" \\ \u) are JSON's
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      return s;
    }
    if (text[i] === '[') {
      i++;
      return list(']');
    }
    if (text[i] === '(') {
      // (_ chunk, chunk): an indefinite-length string, the concatenation of its chunks
      i++;
      const chunks = list(')');
      if (typeof chunks[0] === 'string') return chunks.join('');
      return Uint8Array.from(Buffer.concat(chunks as Uint8Array[]));
    }
    if (text[i] === '{') {
      i++;
      const m = new CborMap();
      if (peek('_')) i++;
      while (!peek('}')) {
        const k = item();
        expect(':');
        m.set(k as CborKey, item());
        if (peek(',')) i++;
      }
      expect('}');
      return m;
    }
    const num = /^-?\d+(\.\d+)?(e[+-]?\d+)?/.exec(text.slice(i));
    if (!num) throw new Error(`cannot read ${text.slice(i)}`);
    i += num[0].length;
    if (text[i] === '(') {
      i++;
      const inner = item();
      expect(')');
      return new CborTag(Number(num[0]), inner);
    }
    if (num[1] || num[2]) return Number(num[0]); // a float written with a point or exponent
    return integer(BigInt(num[0]));
  };
  const v = item();
  ws();
  if (i !== text.length) throw new Error(`trailing text in ${text}`);
  return v;
}

/** Whether the diagnostic writes this number as a float (so `1.0` is not the integer 1). */
export function diagIsFloat(text: string): boolean {
  return /^-?(\d+\.\d+(e[+-]?\d+)?|\d+e[+-]?\d+|NaN|-?Infinity)$/.test(text.trim());
}

// ------------------------------------------------------------ reference encoder

/** Every finite half-precision value and its bits, from the IEEE 754 formula (independent of the codecs). */
const HALVES = new Map<number, number>();
for (let h = 0; h < 0x8000; h++) {
  const e = h >> 10;
  const m = h & 0x3ff;
  if (e === 31) continue;
  const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
  HALVES.set(v, h);
  if (v !== 0) HALVES.set(-v, h | 0x8000);
}

function head(major: number, n: bigint): number[] {
  const m = major << 5;
  if (n < 24n) return [m | Number(n)];
  const width = n < 0x100n ? 1 : n < 0x10000n ? 2 : n < 0x100000000n ? 4 : 8;
  const out = [m | { 1: 24, 2: 25, 4: 26, 8: 27 }[width]!];
  for (let k = width - 1; k >= 0; k--) out.push(Number((n >> BigInt(8 * k)) & 255n));
  return out;
}

function floatBytes(v: number): number[] {
  if (Number.isNaN(v)) return [0xf9, 0x7e, 0x00];
  if (v === Infinity) return [0xf9, 0x7c, 0x00];
  if (v === -Infinity) return [0xf9, 0xfc, 0x00];
  if (Object.is(v, -0)) return [0xf9, 0x80, 0x00];
  const h = HALVES.get(v);
  if (h !== undefined) return [0xf9, h >> 8, h & 255];
  const b = Buffer.alloc(8);
  if (Math.fround(v) === v) {
    b.writeFloatBE(v);
    return [0xfa, ...b.subarray(0, 4)];
  }
  b.writeDoubleBE(v);
  return [0xfb, ...b];
}

function compare(a: number[], b: number[]): number {
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k] - b[k];
  return a.length - b.length;
}

/** Preferred serialization, map keys in bytewise order (RFC 8949 §4.2.1); numbers: safe integers as integers. */
export function refEncode(v: CborValue): Uint8Array {
  const out: number[] = [];
  const write = (x: CborValue): void => {
    if (typeof x === 'bigint') out.push(...(x >= 0n ? head(0, x) : head(1, -1n - x)));
    else if (typeof x === 'number') {
      if (Number.isSafeInteger(x) && !Object.is(x, -0)) out.push(...(x >= 0 ? head(0, BigInt(x)) : head(1, BigInt(-1 - x))));
      else out.push(...floatBytes(x));
    } else if (typeof x === 'string') {
      const b = Buffer.from(x, 'utf8');
      out.push(...head(3, BigInt(b.length)), ...b);
    } else if (x instanceof Uint8Array) out.push(...head(2, BigInt(x.length)), ...x);
    else if (Array.isArray(x)) {
      out.push(...head(4, BigInt(x.length)));
      x.forEach(write);
    } else if (x instanceof CborMap) {
      const entries = x.keys.map((k, n) => ({ key: Array.from(refEncode(k)), value: x.values[n] }));
      entries.sort((p, q) => compare(p.key, q.key));
      out.push(...head(5, BigInt(entries.length)));
      for (const e of entries) {
        out.push(...e.key);
        write(e.value);
      }
    } else if (x instanceof CborTag) {
      out.push(...head(6, BigInt(x.tag)));
      write(x.value);
    } else if (x instanceof CborSimple) out.push(...(x.value < 24 ? [0xe0 | x.value] : [0xf8, x.value]));
    else if (x === false) out.push(0xf4);
    else if (x === true) out.push(0xf5);
    else if (x === null) out.push(0xf6);
    else if (x === undefined) out.push(0xf7);
    else throw new Error('no reference encoding');
  };
  write(v);
  return Uint8Array.from(out);
}
