/**
 * The simulator's seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counter, 128-bit state), seeded from text by cyrb128. Not a CSPRNG: keys drawn from it are
 * as predictable as the seed, which is the point of a reproducible run and nothing else.
 *
 * `fork(label)` gives an independent stream derived from the seed text and the label, not
 * from the current state, so one component drawing more numbers never shifts another's:
 * adding a phone leaves the loss pattern of an unrelated link as it was.
 */

/** cyrb128: four 32-bit words from a string (public domain, bryc). */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed`: any text or number; the same seed gives the same stream. */
  constructor(readonly seed: string) {
    const s = cyrb128(seed);
    this.a = s[0];
    this.b = s[1];
    this.c = s[2];
    this.d = s[3];
    for (let i = 0; i < 12; i++) this.u32(); // let the state mix before the first output
  }

  static of(seed: number | string): Prng {
    return new Prng(String(seed));
  }

  /** An independent stream for a named component. */
  fork(label: string): Prng {
    return new Prng(this.seed + '/' + label);
  }

  /** sfc32 step: a uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1) || n % 1 !== 0) throw new RangeError('int(n) needs a positive integer n');
    return Math.floor(this.float() * n);
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      let w = this.u32();
      for (let k = 0; k < 4 && i + k < length; k++) {
        out[i + k] = w & 0xff;
        w >>>= 8;
      }
    }
    return out;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
}
