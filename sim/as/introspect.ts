/**
 * POST /introspect (RFC 9200 §5.9), reachable only over OSCORE: a connected device asks what
 * a reference token means, under the context the AS shares with it (RFC 9203 §5). The AS
 * answers {active: true, <claims>, cnf} only to the device the token is for (§5.9.1: the
 * requester must be the audience), only while it lives; else {active: false}. The cnf holds
 * the PoP key in the clear: the OSCORE channel is what protects it.
 */
import { CborMap } from '../../device/codec/cbor.ts';
import { Code } from '../../device/errors.ts';
import type { CoapResponse, Exchange, Resource } from '../../device/coap/interfaces.ts';
import { makeResponse } from '../../device/coap/site.ts';
import { ContentFormat, Method } from '../../device/coap/numbers.ts';
import { IntrospectionParam } from '../../device/ace/numbers.ts';
import type { AsState } from './token-endpoint.ts';

export const INTROSPECT_PATH = '/introspect';

export function introspectResource(s: AsState, audienceOfContext: (contextId: string) => string | null): Resource {
  return {
    linkAttributes: '',
    observable: false,
    render(x: Exchange): CoapResponse {
      if (x.request.code !== Method.POST) return makeResponse(Code.MethodNotAllowed, new Uint8Array(0));
      const requester = x.security === null ? null : audienceOfContext(x.security.contextId);
      if (requester === null) return makeResponse(Code.Unauthorized, new Uint8Array(0));
      let token: unknown;
      try {
        const m = s.codec.decode(x.request.payload);
        token = m instanceof CborMap ? m.get(IntrospectionParam.Token) : undefined;
      } catch {
        token = undefined;
      }
      if (!(token instanceof Uint8Array)) return makeResponse(Code.BadRequest, new Uint8Array(0));
      const ref = s.references.find(token);
      const now = s.now();
      let body: CborMap;
      if (ref === null || ref.audience !== requester || ref.exp <= now) {
        s.log('introspection by ' + requester + ': inactive');
        body = new CborMap().set(IntrospectionParam.Active, false);
      } else {
        s.log('introspection by ' + requester + ': active token of ' + ref.subject);
        body = new CborMap().set(IntrospectionParam.Active, true);
        ref.claims.forEach((v, k) => body.set(k, v));
      }
      return makeResponse(Code.Content, s.codec.encode(body), ContentFormat.AceCbor);
    },
  };
}
