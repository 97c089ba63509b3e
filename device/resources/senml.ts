/**
 * SenML in CBOR (RFC 8428 §6, application/senml+cbor, content format 112): labels, the units
 * the sensor uses, and a pack built record by record (a large pack is never held twice as
 * values, which matters on a board with a few thousand variables).
 */
import { CborMap, CborValue, encode } from '../codec/cbor.ts';
import { concatBytes } from '../codec/bytes.ts';

/** RFC 8428 §6, Table 4: CBOR labels (base fields negative). */
export const enum SenmlLabel {
  BaseVersion = -1,
  BaseName = -2,
  BaseTime = -3,
  BaseUnit = -4,
  BaseValue = -5,
  BaseSum = -6,
  Name = 0,
  Unit = 1,
  Value = 2,
  StringValue = 3,
  BoolValue = 4,
  Sum = 5,
  Time = 6,
  UpdateTime = 7,
  DataValue = 8,
}

/** RFC 8428 §12.1, SenML Units registry: the ones the sensor reports. */
export const UNIT_BEATS_PER_MINUTE = 'beat/min';
export const UNIT_PERCENT = '%';
export const UNIT_VOLT = 'V';

/** One record from [label, value] pairs, labels as SenmlLabel. */
export function record(pairs: Array<[number, CborValue]>): Uint8Array {
  const m = new CborMap();
  for (let i = 0; i < pairs.length; i++) m.set(pairs[i][0], pairs[i][1]);
  return encode(m);
}

/** A SenML pack (a CBOR array) from already encoded records. */
export function pack(records: Uint8Array[]): Uint8Array {
  const n = records.length;
  let head: Uint8Array;
  if (n < 24) head = new Uint8Array([0x80 | n]);
  else if (n < 0x100) head = new Uint8Array([0x98, n]);
  else head = new Uint8Array([0x99, (n >> 8) & 255, n & 255]); // the sensor's packs stay below 2^16 records
  return concatBytes([head].concat(records));
}
