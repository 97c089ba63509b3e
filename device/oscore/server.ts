/**
 * The server side as a RequestHandler wrapper (after aiocoap's oscore_sitewrapper.py).
 *
 * Requests with the OSCORE option are verified and handed to the protected handler as an inner
 * Exchange: its request is the decrypted one, its `security` names the context
 * ({scheme: 'oscore', contextId}), and what it responds or notifies is protected before it
 * reaches the outer (endpoint) exchange. Requests without OSCORE go to the plain handler; what
 * is public there is the ACE layer's decision.
 *
 * OSCORE's own errors are answered unprotected with the RFC's diagnostic text and an outer
 * Max-Age 0 (§8.2, §8.3, §7.4); the Echo challenge after a reboot is the one protected error
 * (Appendix B.1.2). Errors of the inner handler are protected like any response.
 */
import { utf8Encode } from '../codec/bytes.ts';
import { Code, asCoreError } from '../errors.ts';
import type { CoreError } from '../errors.ts';
import { errorResponse } from '../coap/diagnostic.ts';
import type { CoapMessage, CoapResponse, Exchange, RequestHandler, SecurityInfo } from '../coap/interfaces.ts';
import { EMPTY_BYTES, hasOption } from '../coap/message.ts';
import { Option } from '../coap/numbers.ts';
import type { SecurityContext } from './context.ts';
import {
  DIAG_CONTEXT_NOT_FOUND, DIAG_DECODE_FAILED, DIAG_DECRYPT_FAILED, DIAG_REPLAY,
} from './numbers.ts';
import { protectResponse } from './protect.ts';
import type { RequestBinding } from './protect.ts';
import { EchoRequired, verifyRequest } from './unprotect.ts';
import type { ContextLookup } from './unprotect.ts';

export const OSCORE_SCHEME = 'oscore';

const MAX_AGE_ZERO = { number: Option.MaxAge, value: EMPTY_BYTES };

/** The unprotected answer to an OSCORE error (§8.2): its code, Max-Age 0, the RFC's diagnostic. */
export function oscoreErrorResponse(e: CoreError): CoapResponse {
  let text = '';
  if (e.kind === 'oscore_context_not_found') text = DIAG_CONTEXT_NOT_FOUND;
  else if (e.kind === 'bad_option') text = DIAG_DECODE_FAILED;
  else if (e.kind === 'oscore_decrypt_failed') text = DIAG_DECRYPT_FAILED;
  else if (e.kind === 'oscore_replay') text = DIAG_REPLAY;
  return { code: e.code, options: [MAX_AGE_ZERO], payload: text === '' ? EMPTY_BYTES : utf8Encode(text) };
}

/** The inner exchange: the decrypted request, and responses protected on their way out. */
class ProtectedExchange implements Exchange {
  readonly request: CoapMessage;
  readonly peer: string;
  readonly security: SecurityInfo;
  private responded = false;

  constructor(
    private readonly outer: Exchange,
    private readonly context: SecurityContext,
    private readonly binding: RequestBinding,
    inner: CoapResponse,
  ) {
    const o = outer.request;
    this.request = {
      type: o.type, code: inner.code, messageId: o.messageId, token: o.token,
      options: inner.options, payload: inner.payload,
    };
    this.peer = outer.peer;
    this.security = { scheme: OSCORE_SCHEME, contextId: context.name };
  }

  get active(): boolean {
    return this.outer.active;
  }

  /** The response reuses the request nonce (§8.3 step 3, the usual single response). */
  respond(response: CoapResponse): void {
    if (this.responded) return;
    this.responded = true;
    this.outer.respond(this.protect(response, false));
  }

  /** Every notification carries its own Partial IV (§4.1.3.5.2). */
  notify(response: CoapResponse): void {
    if (!this.outer.active) return; // no observation to send on: spend no sequence number
    this.outer.notify(this.protect(response, true));
  }

  onCancel(fn: () => void): void {
    this.outer.onCancel(fn);
  }

  private protect(response: CoapResponse, ownPiv: boolean): CoapResponse {
    try {
      return protectResponse(this.context.sender, this.binding, response, ownPiv);
    } catch (e) {
      // No sequence number left or storage failed: nothing can be protected any more.
      return { code: Code.InternalServerError, options: [], payload: EMPTY_BYTES };
    }
  }
}

export class OscoreServer implements RequestHandler {
  constructor(
    private readonly contexts: ContextLookup,
    /** Receives the verified inner requests (the ACE scope guard, then the Site). */
    private readonly protectedHandler: RequestHandler,
    /** Receives requests without the OSCORE option (e.g. /authz-info). */
    private readonly plainHandler: RequestHandler,
  ) {}

  handle(exchange: Exchange): void {
    const request = exchange.request;
    if (!hasOption(request.options, Option.Oscore)) {
      this.plainHandler.handle(exchange);
      return;
    }
    let inner: ProtectedExchange;
    try {
      const verified = verifyRequest(this.contexts, request);
      inner = new ProtectedExchange(exchange, verified.context, verified.binding, verified.request);
    } catch (e) {
      if (e instanceof EchoRequired) exchange.respond(e.response);
      else exchange.respond(oscoreErrorResponse(asCoreError(e)));
      return;
    }
    try {
      this.protectedHandler.handle(inner);
    } catch (e) {
      inner.respond(errorResponse(asCoreError(e)));
    }
  }
}
