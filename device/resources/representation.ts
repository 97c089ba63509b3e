/**
 * What the device's resources share: CBOR state representations ({"name": bool} maps,
 * content format 60) and the checks on a request's payload. Resources know nothing of how
 * the request arrived or who sent it; authorization happened before render was called.
 */
import { Code, fail } from '../errors.ts';
import { CborMap, CborValue, decode, encode } from '../codec/cbor.ts';
import type { CoapResponse, Exchange } from '../coap/interfaces.ts';
import { encodeUint, getUintOption } from '../coap/message.ts';
import { ContentFormat, Option } from '../coap/numbers.ts';

const EMPTY = new Uint8Array(0);

/** A response with a payload in the given content format. */
export function respond(code: number, payload: Uint8Array, contentFormat: number): CoapResponse {
  return { code: code, options: [{ number: Option.ContentFormat, value: encodeUint(contentFormat) }], payload: payload };
}

/** A one-field CBOR state such as {"locked": true}. */
export function boolState(name: string, value: boolean): Uint8Array {
  return encode(new CborMap().set(name, value));
}

/**
 * The new value of a one-field boolean state from a POST: Content-Format 60 (application/cbor)
 * and exactly {name: bool}. Returns a 4.15 response instead when the format is another.
 */
export function readBoolCommand(exchange: Exchange, name: string): boolean | CoapResponse {
  const format = getUintOption(exchange.request.options, Option.ContentFormat);
  if (format !== ContentFormat.Cbor) return { code: Code.UnsupportedContentFormat, options: [], payload: EMPTY };
  let body: CborValue;
  try {
    body = decode(exchange.request.payload);
  } catch (e) {
    return fail('bad_request', 'payload is not CBOR');
  }
  if (!(body instanceof CborMap) || body.size !== 1 || typeof body.get(name) !== 'boolean') {
    fail('bad_request', 'payload must be {"' + name + '": true|false}');
  }
  return (body as CborMap).get(name) as boolean;
}
