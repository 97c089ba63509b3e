/** Test doubles for the resources' tests: a clock, an exchange, a CoreError assertion. */
import type { ExecutionContext } from 'ava';
import { isCoreError, type CoreError, type ErrorKind } from '../../device/errors.ts';
import type { Clock } from '../../device/storage.ts';
import type { CoapOption, CoapResponse, Exchange } from '../../device/coap/interfaces.ts';
import { encodeUint, getOption, getUintOption } from '../../device/coap/message.ts';
import { ContentFormat, Option } from '../../device/coap/numbers.ts';

export class TestClock implements Clock {
  constructor(public wall: number | null, public mono: number) {}
  nowSeconds(): number | null {
    return this.wall;
  }
  monotonicMs(): number {
    return this.mono;
  }
}

export interface TestExchange extends Exchange {
  responses: CoapResponse[];
  notifications: CoapResponse[];
}

/** A request as the resource would get it; peer and security are there but never looked at. */
export function exchange(code: number, payload: Uint8Array = new Uint8Array(0), options: CoapOption[] = []): TestExchange {
  const ex: TestExchange = {
    request: { type: 0, code, messageId: 1, token: Uint8Array.of(1), options, payload },
    peer: '127.0.0.1:40000',
    security: { scheme: 'oscore', contextId: 'test' },
    active: true,
    responses: [],
    notifications: [],
    respond(r) {
      ex.responses.push(r);
    },
    notify(r) {
      ex.notifications.push(r);
    },
    onCancel() {},
  };
  return ex;
}

export function cbor(): CoapOption[] {
  return [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.Cbor) }];
}

export function contentFormat(r: CoapResponse): number | null {
  return getUintOption(r.options, Option.ContentFormat);
}

export function etag(r: CoapResponse): Uint8Array | null {
  return getOption(r.options, Option.ETag);
}

export { throwsKind } from '../helpers/errors.ts';
