/**
 * Token introspection (RFC 9200 §5.9) for a connected lock: a reference token posted to
 * /authz-info is checked with the AS over the device's pre-provisioned OSCORE context with
 * the AS (RFC 9203 §5). The request is POST /introspect, application/ace+cbor,
 * {token: bstr}; the answer {active: true, <claims>} carries the token's claims, its cnf
 * included (the OSCORE channel protects the secret in it).
 */
import { CborMap, CborValue } from '../codec/cbor.ts';
import type { CborCodec } from '../codec/cbor.ts';
import { CoreError, asCoreError, fail } from '../errors.ts';
import type { CoapMessage } from '../coap/interfaces.ts';
import type { OutgoingRequest, ResponseCallback } from '../coap/client.ts';
import { encodeUint, setUriPath } from '../coap/message.ts';
import { ContentFormat, Method, Option } from '../coap/numbers.ts';
import type { SecurityContext } from '../oscore/context.ts';
import { protectRequest } from '../oscore/protect.ts';
import type { ProtectedRequest } from '../oscore/protect.ts';
import { unprotectResponse } from '../oscore/unprotect.ts';
import { parseClaims } from '../cwt/claims.ts';
import type { CwtClaims } from '../cwt/claims.ts';
import { IntrospectionParam } from './numbers.ts';

export const INTROSPECT_PATH = '/introspect';

/** How the device sends a request of its own (the Endpoint's sendRequest). */
export interface RequestSender {
  sendRequest(request: OutgoingRequest, peer: string, callback: ResponseCallback): void;
}

/** Introspection parameters that are not token claims (RFC 9200 Table 6). */
const NOT_CLAIMS = [
  IntrospectionParam.Active, IntrospectionParam.Token, IntrospectionParam.ClientId,
  IntrospectionParam.TokenTypeHint, IntrospectionParam.TokenType, IntrospectionParam.Username,
  IntrospectionParam.Error, IntrospectionParam.ErrorDescription, IntrospectionParam.ErrorUri, 41,
];

/** The claims of an introspection response; an inactive token is 'unauthorized'. */
export function claimsOfIntrospection(body: CborValue): CwtClaims {
  if (!(body instanceof CborMap)) return fail('malformed_claims', 'introspection response is not a map');
  if (body.get(IntrospectionParam.Active) !== true) fail('unauthorized', 'the AS reports the token inactive');
  const claims = new CborMap();
  body.forEach(function (value: CborValue, key: string | number): void {
    if (typeof key !== 'number' || NOT_CLAIMS.indexOf(key) < 0) claims.set(key, value);
  });
  return parseClaims(claims);
}

export class Introspector {
  constructor(
    private readonly sender: RequestSender,
    /** The device's client context with the AS. */
    private readonly context: SecurityContext,
    /** The AS's address as the host names peers ("127.0.0.1:5684"). */
    private readonly peer: string,
    private readonly codec: CborCodec,
  ) {}

  /** Asks the AS about `token`; `done` gets the claims or the reason there are none. */
  introspect(token: Uint8Array, done: (claims: CwtClaims | null, error: CoreError | null) => void): void {
    const options = [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.AceCbor) }];
    setUriPath(options, INTROSPECT_PATH);
    const body = new CborMap().set(IntrospectionParam.Token, token);
    let prepared: ProtectedRequest;
    try {
      prepared = protectRequest(this.context.sender, { code: Method.POST, options: options, payload: this.codec.encode(body) }, false);
    } catch (e) {
      done(null, asCoreError(e));
      return;
    }
    const recipient = this.context.recipient;
    const codec = this.codec;
    const outer: OutgoingRequest = { code: prepared.message.code, options: prepared.message.options, payload: prepared.message.payload };
    this.sender.sendRequest(outer, this.peer, function (response: CoapMessage | null, error: CoreError | null): void {
      if (response === null) {
        done(null, new CoreError('unauthorized', 'introspection failed: ' + (error ? error.message : 'no answer')));
        return;
      }
      try {
        const inner = unprotectResponse(recipient, prepared.binding, response);
        if (inner.code >> 5 !== 2) fail('unauthorized', 'the AS refused the introspection request');
        done(claimsOfIntrospection(codec.decode(inner.payload)), null);
      } catch (e) {
        done(null, asCoreError(e));
      }
    });
  }
}
