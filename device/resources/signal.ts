/**
 * A deterministic synthetic source of vital signs for the medical sensor: heart rate, SpO2
 * and a short EKG window. Seedable (xorshift32, no Math.random) and driven by the time it is
 * given, so the same seed and times give the same readings (up to the last bit of the
 * platform's Math.sin/exp, which rounding to integers and 2^-16 V steps absorbs).
 */

export interface VitalsReading {
  /** Heart rate, beats per minute (integer). */
  heartRate: number;
  /** Oxygen saturation, percent (integer). */
  spo2: number;
  /** EKG samples in volts, oldest first, multiples of 2^-16 V; the last is at the reading's time. */
  ekg: number[];
}

/** xorshift32 (Marsaglia 2003): shifts and xors only, so no Math.imul is needed. */
export class Xorshift32 {
  private x: number;

  constructor(seed: number) {
    this.x = (seed >>> 0) || 0x9e3779b9; // 0 is the one state xorshift never leaves
  }

  /** A float in [0, 1). */
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x / 4294967296;
  }
}

/** PQRST waves as Gaussians over the beat's phase: [centre, amplitude mV, width]. */
// Written as integer ratios: Espruino reads literals such as 0.15 a bit off (0.15000000000000002).
const WAVES = [
  [2 / 10, 15 / 100, 25 / 1000], // P
  [37 / 100, -1 / 10, 1 / 100], // Q
  [4 / 10, 12 / 10, 12 / 1000], // R
  [43 / 100, -25 / 100, 1 / 100], // S
  [7 / 10, 3 / 10, 4 / 100], // T
];

const VOLT_STEP = 65536; // samples are k / 2^16 V: exact in CBOR half floats for |k| < 2048

function ekgMillivolts(phase: number): number {
  let v = 0;
  for (let i = 0; i < WAVES.length; i++) {
    const d = phase - WAVES[i][0];
    v += WAVES[i][1] * Math.exp(-(d * d) / (2 * WAVES[i][2] * WAVES[i][2]));
  }
  return v;
}

export interface SyntheticOptions {
  seed: number;
  /** EKG samples per reading (default 32). */
  ekgSamples?: number;
  /** EKG sample rate (default 256 Hz: a power of two keeps sample times exact binary fractions). */
  ekgRateHz?: number;
}

export class SyntheticVitals {
  private readonly rng: Xorshift32;
  readonly ekgSamples: number;
  readonly ekgRateHz: number;

  constructor(options: SyntheticOptions) {
    this.rng = new Xorshift32(options.seed);
    this.ekgSamples = options.ekgSamples && options.ekgSamples > 0 ? Math.floor(options.ekgSamples) : 32;
    this.ekgRateHz = options.ekgRateHz && options.ekgRateHz > 0 ? options.ekgRateHz : 256;
  }

  /** The reading at `timeMs` (any monotonic origin). */
  read(timeMs: number): VitalsReading {
    const seconds = timeMs / 1000;
    const hr = Math.round(68 + 6 * Math.sin((2 * Math.PI * seconds) / 300) + (this.rng.next() - 0.5) * 4);
    const spo2 = Math.min(100, Math.max(90, Math.round(97 + (this.rng.next() - 0.5) * 2.5)));
    const beat = 60 / hr;
    const ekg: number[] = [];
    for (let i = 0; i < this.ekgSamples; i++) {
      const t = seconds - (this.ekgSamples - 1 - i) / this.ekgRateHz;
      const phase = (t % beat) / beat;
      const mv = ekgMillivolts(phase < 0 ? phase + 1 : phase) + (this.rng.next() - 0.5) * 0.02;
      ekg.push(Math.round((mv / 1000) * VOLT_STEP) / VOLT_STEP || 0); // || 0: no negative zero
    }
    return { heartRate: hr, spo2: spo2, ekg: ekg };
  }
}
