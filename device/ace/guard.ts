/**
 * Where the ACE decision happens, between the OSCORE layer and the Site:
 * - AccessGuard takes the verified inner requests: the token bound to the security context
 *   must allow the path and method (RFC 9200 §5.10.2: 4.01 no valid token, 4.03 resource not
 *   covered, 4.05 method not covered); observations end with 4.01 when the token expires
 *   (§5.10.3).
 * - PublicGate takes unprotected requests: /authz-info and /.well-known/core pass, anything
 *   else gets 4.01 with AS Request Creation Hints (§5.3).
 * - AuthzInfoResource is /authz-info itself (RFC 9203 §4.1, §4.2).
 * Every decision goes to the audit log, with the token id and never a key.
 */
import { Code, CoreError, asCoreError } from '../errors.ts';
import { utf8Encode } from '../codec/bytes.ts';
import type { CoapOption, CoapResponse, Exchange, RequestHandler, Resource } from '../coap/interfaces.ts';
import { EMPTY_BYTES, encodeUint, getUintOption, uriPath } from '../coap/message.ts';
import { ContentFormat, Method, Option } from '../coap/numbers.ts';
import { decide } from './scope.ts';
import { AceResourceServer, aceErrorResponse } from './rs.ts';
import type { Bound } from './rs.ts';

export const AUTHZ_INFO = '/authz-info';
const WELL_KNOWN_CORE = '/.well-known/core';

/**
 * A granted exchange: remembers the code it was answered with (a single-use token is spent
 * only by a successful change), and turns a notification after the token expired into a
 * final 4.01 (RFC 9200 §5.10.3: a long-running request ends when its token does).
 */
class GrantedExchange implements Exchange {
  answeredWith = 0;

  constructor(private readonly outer: Exchange, private readonly rs: AceResourceServer) {}

  get request() { return this.outer.request; }
  get peer() { return this.outer.peer; }
  get security() { return this.outer.security; }
  get active() { return this.outer.active; }

  respond(response: CoapResponse): void {
    this.answeredWith = response.code;
    this.outer.respond(response);
  }

  notify(response: CoapResponse): void {
    if (this.rs.bound(this.outer) === null) {
      this.outer.notify({ code: Code.Unauthorized, options: [], payload: EMPTY_BYTES });
      return;
    }
    this.outer.notify(response);
  }

  onCancel(fn: () => void): void {
    this.outer.onCancel(fn);
  }
}

export class AccessGuard implements RequestHandler {
  constructor(private readonly rs: AceResourceServer, private readonly site: RequestHandler) {}

  handle(exchange: Exchange): void {
    const request = exchange.request;
    const path = uriPath(request.options);
    const bound = this.rs.bound(exchange);
    if (bound === null) {
      this.refuse(exchange, null, path, 'unauthorized', Code.Unauthorized);
      return;
    }
    if (path === WELL_KNOWN_CORE || path === AUTHZ_INFO) {
      this.site.handle(exchange);
      return;
    }
    const decision = decide(bound.record.permissions, path, request.code);
    if (decision !== 'granted') {
      this.refuse(exchange, bound, path, decision, decision === 'forbidden' ? Code.Forbidden : Code.MethodNotAllowed);
      return;
    }
    this.rs.audit.record({ peer: exchange.peer, tokenId: bound.record.tokenId, path: path, method: request.code, granted: true, reason: 'granted' });
    const granted = new GrantedExchange(exchange, this.rs);
    this.site.handle(granted);
    // A single-use token opens once: its key is gone after the first successful change.
    if (bound.record.singleUse && request.code !== Method.GET && granted.answeredWith >> 5 === 2) this.rs.spend(bound);
  }

  private refuse(exchange: Exchange, bound: Bound | null, path: string, reason: string, code: number): void {
    this.rs.audit.record({ peer: exchange.peer, tokenId: bound === null ? null : bound.record.tokenId, path: path, method: exchange.request.code, granted: false, reason: reason });
    exchange.respond({ code: code, options: [], payload: EMPTY_BYTES });
  }
}

export class PublicGate implements RequestHandler {
  constructor(private readonly rs: AceResourceServer, private readonly site: RequestHandler) {}

  handle(exchange: Exchange): void {
    const path = uriPath(exchange.request.options);
    if (path === AUTHZ_INFO || path === WELL_KNOWN_CORE) {
      this.site.handle(exchange);
      return;
    }
    this.rs.audit.record({ peer: exchange.peer, tokenId: null, path: path, method: exchange.request.code, granted: false, reason: 'unauthorized' });
    exchange.respond(this.rs.hintsResponse());
  }
}

const ACE_CBOR = encodeUint(ContentFormat.AceCbor);
/** The largest /authz-info payload taken: a token (1 KiB at most) and the profile's parameters. */
const MAX_POST = 1200;

export class AuthzInfoResource implements Resource {
  readonly linkAttributes = ';rt="ace.ai"';
  readonly observable = false;

  constructor(private readonly rs: AceResourceServer) {}

  render(exchange: Exchange): CoapResponse | null {
    const request = exchange.request;
    // RFC 9200 §5.10.1.2: no GET, PUT or DELETE on /authz-info.
    if (request.code !== Method.POST) return { code: Code.MethodNotAllowed, options: [], payload: EMPTY_BYTES };
    const format = getUintOption(request.options, Option.ContentFormat);
    if (format !== null && format !== ContentFormat.AceCbor) {
      return aceErrorResponse(new CoreError('unsupported_content_format', 'payload must be application/ace+cbor'), this.rs.deps.codec, []);
    }
    if (request.payload.length > MAX_POST) {
      return refusal(this.rs, exchange, new CoreError('too_large', 'a token post is at most ' + MAX_POST + ' bytes'), []);
    }
    const bound = this.rs.bound(exchange);
    const extra: CoapOption[] = [];
    try {
      if (bound !== null) {
        this.rs.updateToken(request.payload, bound, exchange.peer);
        return { code: Code.Created, options: [], payload: EMPTY_BYTES };
      }
      const wait = this.rs.admit(exchange.peer);
      if (wait > 0) {
        extra.push({ number: Option.MaxAge, value: encodeUint(wait) });
        this.rs.audit.record({ peer: exchange.peer, tokenId: null, path: AUTHZ_INFO, method: request.code, granted: false, reason: 'rate limited' });
        return { code: Code.TooManyRequests, options: extra, payload: utf8Encode('too many token posts') };
      }
      if (this.rs.needsIntrospection(request.payload)) return introspectLater(this.rs, exchange);
      try {
        return created(this.rs.postToken(request.payload, exchange.peer));
      } catch (e) {
        // Opaque reference bytes may happen to parse as a CBOR array or tag: a connected device
        // asks the AS about what is not a well-formed CWT before refusing it.
        const kind = asCoreError(e).kind;
        if (this.rs.introspector !== null && (kind === 'malformed_cose' || kind === 'malformed_cbor' || kind === 'unsupported_cbor')) {
          return introspectLater(this.rs, exchange);
        }
        throw e;
      }
    } catch (e) {
      return refusal(this.rs, exchange, asCoreError(e), extra);
    }
  }
}

/** A reference token: ask the AS (RFC 9200 §5.9), answer separately when it has spoken. */
function introspectLater(rs: AceResourceServer, exchange: Exchange): null {
  rs.postReference(exchange.request.payload, exchange.peer, function (reply: Uint8Array | null, error: CoreError | null): void {
    if (reply !== null) exchange.respond(created(reply));
    else exchange.respond(refusal(rs, exchange, error as CoreError, []));
  });
  return null;
}

function created(payload: Uint8Array): CoapResponse {
  return { code: Code.Created, options: [{ number: Option.ContentFormat, value: ACE_CBOR }], payload: payload };
}

function refusal(rs: AceResourceServer, exchange: Exchange, error: CoreError, extra: CoapOption[]): CoapResponse {
  rs.audit.record({ peer: exchange.peer, tokenId: null, path: AUTHZ_INFO, method: exchange.request.code, granted: false, reason: error.kind });
  return aceErrorResponse(error, rs.deps.codec, extra);
}
