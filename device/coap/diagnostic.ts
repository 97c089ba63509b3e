/**
 * How a CoreError becomes a CoAP response: the error's code, and a small diagnostic payload
 * (RFC 7252 §5.5.2 allows one) as a CBOR map {"error": kind, "detail": message}, content
 * format 60. CoreError messages never hold secrets, so they may go on the wire.
 */
import type { CoreError } from '../errors.ts';
import { CborMap, encode } from '../codec/cbor.ts';
import type { CoapResponse } from './interfaces.ts';
import { ContentFormat, Option } from './numbers.ts';

const CBOR_FORMAT = new Uint8Array([ContentFormat.Cbor]);

export function errorResponse(e: CoreError): CoapResponse {
  const body = new CborMap();
  body.set('error', e.kind);
  body.set('detail', e.message);
  return {
    code: e.code,
    options: [{ number: Option.ContentFormat, value: CBOR_FORMAT }],
    payload: encode(body),
  };
}
