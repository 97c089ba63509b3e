/** Test doubles for the CoAP stack: a virtual-time Transport and message builders. */
import { CoreError } from '../../device/errors.ts';
import type { CoapMessage, CoapOption, Transport } from '../../device/coap/interfaces.ts';
import { decode, encodeParts } from '../../device/coap/message.ts';
import { utf8Encode } from '../../device/codec/bytes.ts';

export interface Sent {
  peer: string;
  bytes: Uint8Array;
  msg: CoapMessage;
}

/** Records every datagram; time moves only when the test says so. */
export class FakeTransport implements Transport {
  t = 1000;
  sent: Sent[] = [];

  now(): number {
    return this.t;
  }

  send(datagram: Uint8Array, peer: string): void {
    this.sent.push({ peer: peer, bytes: datagram, msg: decode(datagram) });
  }

  /** Everything sent since the last take(). */
  take(): Sent[] {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}

/** Deterministic "random" bytes: zeros unless told otherwise (jitter 0, first MID 1). */
export function fixedRandom(first?: number[]): (n: number) => Uint8Array {
  let pending = first ? first.slice() : [];
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n && pending.length > 0; i++) out[i] = pending.shift() as number;
    return out;
  };
}

export function opt(number: number, value: Uint8Array | string | number[]): CoapOption {
  const v = typeof value === 'string' ? utf8Encode(value) : value instanceof Uint8Array ? value : new Uint8Array(value);
  return { number: number, value: v };
}

export function pathOptions(path: string): CoapOption[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => opt(11, s));
}

export function request(
  type: number,
  code: number,
  mid: number,
  token: number[],
  options: CoapOption[],
  payload?: Uint8Array,
): Uint8Array {
  return encodeParts(type, code, mid, new Uint8Array(token), options, payload || new Uint8Array(0));
}

export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

/** Runs fn, which must throw a CoreError (not an Error: ava's t.throws wants those), and returns it. */
export function throwsCore(t: { fail(m: string): void; true(v: boolean, m?: string): void }, fn: () => unknown): CoreError {
  try {
    fn();
  } catch (e) {
    t.true(e instanceof CoreError, 'a CoreError was thrown');
    return e as CoreError;
  }
  t.fail('nothing was thrown');
  return new CoreError('internal', 'nothing thrown');
}
