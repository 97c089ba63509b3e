/**
 * The medical sensor's resources, in SenML+CBOR (RFC 8428, content format 112):
 *
 * /vitals          GET (observable): the current reading, a few hundred bytes:
 *                  [{bn: "sensor/", bt?, n: "hr", u: "beat/min", v}, {n: "spo2", u: "%", v},
 *                   {bn: "sensor/ekg", bu: "V", t, v}, {t, v}, ...]   (EKG samples, oldest first)
 * /vitals/history  GET: heart rate and SpO2 of the last `historySize` readings, oldest first,
 *                  several KB (the Site sends it with Block2).
 *
 * Times: with a wall clock, bt is the (newest) reading's Unix time and t an offset from it;
 * without one there is no bt and the times are relative to the newest reading, which SenML
 * reads as relative to "now" (RFC 8428 §4.5.3). A representation depends only on the
 * readings, never on when it is asked for, so Block2 transfers stay consistent; each carries
 * an ETag (the reading's sequence number) so a client sees when a new reading came in between.
 *
 * Readings come from a source (the synthetic one, or a driver) when the host calls tick();
 * each new reading calls the `onChanged` callback, to be wired to the Site's changed('/vitals').
 */
import { Code, fail } from '../errors.ts';
import type { Clock } from '../storage.ts';
import type { CoapResponse, Exchange, Resource } from '../coap/interfaces.ts';
import { encodeUint } from '../coap/message.ts';
import { ContentFormat, Method, Option } from '../coap/numbers.ts';
import { SenmlLabel, UNIT_BEATS_PER_MINUTE, UNIT_PERCENT, UNIT_VOLT, pack, record } from './senml.ts';
import type { VitalsReading } from './signal.ts';

export interface VitalsSource {
  read(timeMs: number): VitalsReading;
}

export interface VitalsOptions {
  clock: Clock;
  source: VitalsSource;
  /** Milliseconds between readings (default 1000). */
  periodMs?: number;
  /** Readings kept for /vitals/history (default 144). */
  historySize?: number;
  /** SenML base name (default "sensor/"). */
  baseName?: string;
  /** The source's EKG sample rate, for the sample times (default 256 Hz). */
  ekgRateHz?: number;
}

const NAME_HR = 'hr';
const NAME_SPO2 = 'spo2';
const NAME_EKG = 'ekg';

function etag(seq: number): Uint8Array {
  return new Uint8Array([(seq >>> 24) & 255, (seq >>> 16) & 255, (seq >>> 8) & 255, seq & 255]);
}

function senmlResponse(payload: Uint8Array, seq: number): CoapResponse {
  return {
    code: Code.Content,
    options: [
      { number: Option.ETag, value: etag(seq) },
      { number: Option.ContentFormat, value: encodeUint(ContentFormat.SenmlCbor) },
    ],
    payload: payload,
  };
}

class CurrentVitals implements Resource {
  readonly linkAttributes = ';rt="vitals";if="core.s";ct=112;obs';
  readonly observable = true;
  constructor(private readonly sensor: VitalsSensor) {}

  render(exchange: Exchange): CoapResponse {
    if (exchange.request.code !== Method.GET) return fail('method_not_allowed', '/vitals takes GET');
    return this.sensor.renderCurrent();
  }
}

class VitalsHistory implements Resource {
  readonly linkAttributes = ';rt="vitals-history";if="core.s";ct=112';
  readonly observable = false;
  constructor(private readonly sensor: VitalsSensor) {}

  render(exchange: Exchange): CoapResponse {
    if (exchange.request.code !== Method.GET) return fail('method_not_allowed', '/vitals/history takes GET');
    return this.sensor.renderHistory();
  }
}

/** Readings and their representations; the two resources above render from it. */
export class VitalsSensor {
  private readonly clock: Clock;
  private readonly source: VitalsSource;
  readonly periodMs: number;
  readonly historySize: number;
  private readonly baseName: string;
  private readonly ekgRateHz: number;
  // the history as typed arrays: a few variables on Espruino instead of one object per reading
  private readonly mono: Float64Array;
  private readonly wall: Float64Array; // NaN: no wall clock at that reading
  private readonly hr: Uint16Array;
  private readonly spo2: Uint8Array;
  private count = 0;
  private next = 0; // ring write index
  private latest: VitalsReading | null = null;
  private seq = 0;
  private nextAt = -1;
  private currentBytes: Uint8Array | null = null;
  private historyBytes: Uint8Array | null = null;
  private changedFn: (() => void) | null = null;
  readonly current: Resource;
  readonly history: Resource;

  constructor(options: VitalsOptions) {
    this.clock = options.clock;
    this.source = options.source;
    this.periodMs = options.periodMs && options.periodMs > 0 ? options.periodMs : 1000;
    this.historySize = options.historySize && options.historySize > 0 ? Math.floor(options.historySize) : 144;
    this.baseName = options.baseName || 'sensor/';
    this.ekgRateHz = options.ekgRateHz && options.ekgRateHz > 0 ? options.ekgRateHz : 256;
    this.mono = new Float64Array(this.historySize);
    this.wall = new Float64Array(this.historySize);
    this.hr = new Uint16Array(this.historySize);
    this.spo2 = new Uint8Array(this.historySize);
    this.current = new CurrentVitals(this);
    this.history = new VitalsHistory(this);
  }

  /** Readings taken so far (the sequence number of the latest). */
  get readings(): number {
    return this.seq;
  }

  /** Called after each new reading (wire to Site.changed('/vitals')). */
  onChanged(fn: () => void): void {
    this.changedFn = fn;
  }

  /** Takes a reading when one is due; true if it did. */
  tick(): boolean {
    const now = this.clock.monotonicMs();
    if (this.nextAt >= 0 && now < this.nextAt) return false;
    this.add(this.source.read(now));
    this.nextAt = (this.nextAt < 0 ? now : this.nextAt) + this.periodMs;
    if (this.nextAt <= now) this.nextAt = now + this.periodMs; // after a long pause, no burst of catch-up readings
    return true;
  }

  /** Records a reading taken now (from tick, or from a hardware driver). */
  add(reading: VitalsReading): void {
    const wall = this.clock.nowSeconds();
    this.mono[this.next] = this.clock.monotonicMs();
    this.wall[this.next] = wall === null ? NaN : wall;
    this.hr[this.next] = Math.max(0, Math.min(65535, Math.round(reading.heartRate)));
    this.spo2[this.next] = Math.max(0, Math.min(100, Math.round(reading.spo2)));
    this.next = (this.next + 1) % this.historySize;
    if (this.count < this.historySize) this.count++;
    this.latest = { heartRate: reading.heartRate, spo2: reading.spo2, ekg: reading.ekg.slice() };
    this.seq = (this.seq + 1) >>> 0;
    this.currentBytes = null;
    this.historyBytes = null;
    if (this.changedFn) this.changedFn();
  }

  renderCurrent(): CoapResponse {
    if (this.currentBytes === null) this.currentBytes = this.encodeCurrent();
    return senmlResponse(this.currentBytes, this.seq);
  }

  renderHistory(): CoapResponse {
    if (this.historyBytes === null) this.historyBytes = this.encodeHistory();
    return senmlResponse(this.historyBytes, this.seq);
  }

  /** Ring index of the i-th reading, oldest first. */
  private at(i: number): number {
    return (this.next - this.count + i + this.historySize) % this.historySize;
  }

  private baseFields(newest: number): Array<[number, number | string]> {
    const fields: Array<[number, number | string]> = [[SenmlLabel.BaseName, this.baseName]];
    const wall = this.wall[newest];
    if (wall === wall) fields.push([SenmlLabel.BaseTime, wall]); // not NaN: the device had a clock
    return fields;
  }

  private encodeCurrent(): Uint8Array {
    const r = this.latest;
    if (r === null) return pack([]);
    const newest = this.at(this.count - 1);
    const records: Uint8Array[] = [];
    const first: Array<[number, number | string]> = this.baseFields(newest);
    first.push([SenmlLabel.Name, NAME_HR], [SenmlLabel.Unit, UNIT_BEATS_PER_MINUTE], [SenmlLabel.Value, this.hr[newest]]);
    records.push(record(first));
    records.push(record([[SenmlLabel.Name, NAME_SPO2], [SenmlLabel.Unit, UNIT_PERCENT], [SenmlLabel.Value, this.spo2[newest]]]));
    const n = r.ekg.length;
    for (let i = 0; i < n; i++) {
      const t = -(n - 1 - i) / this.ekgRateHz || 0;
      if (i === 0) {
        records.push(record([[SenmlLabel.BaseName, this.baseName + NAME_EKG], [SenmlLabel.BaseUnit, UNIT_VOLT], [SenmlLabel.Time, t], [SenmlLabel.Value, r.ekg[i]]]));
      } else records.push(record([[SenmlLabel.Time, t], [SenmlLabel.Value, r.ekg[i]]]));
    }
    return pack(records);
  }

  private encodeHistory(): Uint8Array {
    if (this.count === 0) return pack([]);
    const newest = this.at(this.count - 1);
    const records: Uint8Array[] = [];
    for (let i = 0; i < this.count; i++) {
      const k = this.at(i);
      const t = Math.round((this.mono[k] - this.mono[newest]) / 1000) || 0;
      const hr: Array<[number, number | string]> = i === 0 ? this.baseFields(newest) : [];
      hr.push([SenmlLabel.Name, NAME_HR], [SenmlLabel.Unit, UNIT_BEATS_PER_MINUTE], [SenmlLabel.Value, this.hr[k]], [SenmlLabel.Time, t]);
      records.push(record(hr));
      records.push(record([[SenmlLabel.Name, NAME_SPO2], [SenmlLabel.Unit, UNIT_PERCENT], [SenmlLabel.Value, this.spo2[k]], [SenmlLabel.Time, t]]));
    }
    return pack(records);
  }
}
