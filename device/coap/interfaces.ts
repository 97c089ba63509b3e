/**
 * The contracts of the CoAP stack (after aiocoap's interfaces.py). Everything else in
 * device/coap/, the OSCORE layer and the ACE layer is an implementation or a wrapper of these.
 *
 *   host (socket) -> Endpoint (message layer: CON/ACK/RST, dedup, separate responses,
 *   retransmission) -> RequestHandler chain (OSCORE unprotect -> ACE scope guard -> Site:
 *   routing, Block2, Observe, /.well-known/core) -> Resource
 *
 * Handlers are synchronous; a handler that cannot answer at once returns null and calls
 * `exchange.respond` later, and the endpoint turns that into a separate response.
 */

/** One option instance; repeated options are repeated entries, kept sorted by number. */
export interface CoapOption {
  number: number;
  value: Uint8Array;
}

/** A decoded CoAP message (RFC 7252 §3). Used for outer and OSCORE-inner messages alike. */
export interface CoapMessage {
  /** 0 CON, 1 NON, 2 ACK, 3 RST */
  type: number;
  /** class*32 + detail: 0.01 GET = 1 ... 2.05 Content = 0x45 */
  code: number;
  messageId: number;
  token: Uint8Array;
  options: CoapOption[];
  payload: Uint8Array;
}

/** What a resource or handler answers; the endpoint adds type, message ID and token. */
export interface CoapResponse {
  code: number;
  options: CoapOption[];
  payload: Uint8Array;
}

/** Opaque description of the security under which a request arrived, set by the OSCORE layer. */
export interface SecurityInfo {
  /** 'oscore' for OSCORE-protected requests. */
  readonly scheme: string;
  /** Identifies the security context (and so, through the ACE layer, the token bound to it). */
  readonly contextId: string;
}

/** One received request and the way back to its sender. */
export interface Exchange {
  /** The request as this layer sees it: outer at the endpoint, the verified inner one under OSCORE. */
  readonly request: CoapMessage;
  /** Host-defined peer address, e.g. "127.0.0.1:40123" or a BLE connection id. */
  readonly peer: string;
  /** null for plain CoAP. */
  readonly security: SecurityInfo | null;
  /** Sends the response (piggybacked when still possible, else separate). At most once. */
  respond(response: CoapResponse): void;
  /** After a response that registered an observation (RFC 7641): one more notification. */
  notify(response: CoapResponse): void;
  /** False once the observation ended (RST, deregistration, failed confirmable notification). */
  readonly active: boolean;
  /** Called once when the observation ends. */
  onCancel(fn: () => void): void;
}

/** A layer that takes requests: the Site, or a wrapper around another handler. */
export interface RequestHandler {
  /** Answers through exchange.respond (now or later). Must not throw: errors become responses. */
  handle(exchange: Exchange): void;
}

/** One resource of a Site. */
export interface Resource {
  /** Link-format attributes for /.well-known/core (RFC 6690), e.g. ';rt="core.lock";ct=60'. */
  readonly linkAttributes: string;
  /** Whether GET with Observe: 0 registers an observation (RFC 7641). */
  readonly observable: boolean;
  /** The response, or null to answer later through exchange.respond. May throw CoreError. */
  render(exchange: Exchange): CoapResponse | null;
}

/** The host side of an endpoint: how datagrams leave and what time it is. */
export interface Transport {
  send(datagram: Uint8Array, peer: string): void;
  /** Milliseconds, monotonic. */
  now(): number;
}
