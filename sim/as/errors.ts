/**
 * Token endpoint errors (RFC 9200 §5.8.3): 4.00 (4.01 for invalid_client) with an
 * application/ace+cbor map {error, error_description}; the error is the Table 3 abbreviation,
 * or the OAuth text for errors outside that table (access_denied at the authorization step).
 */
import { CborMap } from '../../device/codec/cbor.ts';
import type { CborCodec } from '../../device/codec/cbor.ts';
import { AceErrorCode, Code } from '../../device/errors.ts';
import type { CoapResponse } from '../../device/coap/interfaces.ts';
import { makeResponse } from '../../device/coap/site.ts';
import { AceParam } from '../../device/ace/numbers.ts';
import { ContentFormat } from '../../device/coap/numbers.ts';

export class AsError {
  constructor(
    /** CoAP response code. */
    readonly code: number,
    /** Table 3 abbreviation or OAuth error text. */
    readonly error: number | string,
    readonly description: string,
  ) {}
}

export function invalidRequest(d: string): AsError {
  return new AsError(Code.BadRequest, AceErrorCode.InvalidRequest, d);
}
export function invalidClient(d: string): AsError {
  return new AsError(Code.Unauthorized, AceErrorCode.InvalidClient, d);
}
export function invalidGrant(d: string): AsError {
  return new AsError(Code.BadRequest, AceErrorCode.InvalidGrant, d);
}
export function unauthorizedClient(d: string): AsError {
  return new AsError(Code.BadRequest, AceErrorCode.UnauthorizedClient, d);
}
export function unsupportedGrantType(d: string): AsError {
  return new AsError(Code.BadRequest, AceErrorCode.UnsupportedGrantType, d);
}
export function invalidScope(d: string): AsError {
  return new AsError(Code.BadRequest, AceErrorCode.InvalidScope, d);
}
export function accessDenied(d: string): AsError {
  return new AsError(Code.Forbidden, 'access_denied', d);
}

export function errorReply(e: AsError, codec: CborCodec): CoapResponse {
  const body = new CborMap().set(AceParam.Error, e.error).set(AceParam.ErrorDescription, e.description);
  return makeResponse(e.code, codec.encode(body), ContentFormat.AceCbor);
}

/** The request's ace+cbor map, or invalid_request. */
export function requestMap(payload: Uint8Array, codec: CborCodec): CborMap {
  let v;
  try {
    v = codec.decode(payload);
  } catch {
    throw invalidRequest('payload is not CBOR');
  }
  if (!(v instanceof CborMap)) throw invalidRequest('payload is not a CBOR map');
  return v;
}

export function textParam(m: CborMap, key: number | string, name: string, required: boolean): string | null {
  const v = m.get(key);
  if (v === undefined) {
    if (required) throw invalidRequest(name + ' is missing');
    return null;
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 512) throw invalidRequest(name + ' is not text');
  return v;
}

export function bytesParam(m: CborMap, key: number, name: string, max: number): Uint8Array | null {
  const v = m.get(key);
  if (v === undefined) return null;
  if (!(v instanceof Uint8Array) || v.length === 0 || v.length > max) throw invalidRequest(name + ' is not a byte string of 1..' + max + ' bytes');
  return v;
}
