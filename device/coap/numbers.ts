/**
 * CoAP protocol numbers, named once. Response codes are `Code` in device/errors.ts.
 *
 * Sources: RFC 7252 §12.1 (codes), §12.2 and §5.10 Table 4 (options), §12.3 (content
 * formats), §4.8 (transmission parameters); RFC 7641 (Observe), RFC 7959 (Block-wise),
 * RFC 8613 (OSCORE), RFC 8768 (Hop-Limit), RFC 9175 (Echo, Request-Tag), RFC 7967 (No-Response).
 */

/** Message types (RFC 7252 §3). */
export const enum Type {
  CON = 0,
  NON = 1,
  ACK = 2,
  RST = 3,
}

/** Request method codes, class 0 (RFC 7252 §12.1.1; FETCH/PATCH/iPATCH RFC 8132). */
export const enum Method {
  GET = 1,
  POST = 2,
  PUT = 3,
  DELETE = 4,
  FETCH = 5,
  PATCH = 6,
  IPATCH = 7,
}

/** The code of an Empty message, 0.00 (RFC 7252 §4.1). */
export const EMPTY_CODE = 0;

/** Option numbers (RFC 7252 §12.2 and the registrations named beside each). */
export const enum Option {
  IfMatch = 1,
  UriHost = 3,
  ETag = 4,
  IfNoneMatch = 5,
  Observe = 6, // RFC 7641
  UriPort = 7,
  LocationPath = 8,
  Oscore = 9, // RFC 8613
  UriPath = 11,
  ContentFormat = 12,
  MaxAge = 14,
  UriQuery = 15,
  HopLimit = 16, // RFC 8768
  Accept = 17,
  LocationQuery = 20,
  Block2 = 23, // RFC 7959
  Block1 = 27, // RFC 7959
  Size2 = 28, // RFC 7959
  ProxyUri = 35,
  ProxyScheme = 39,
  Size1 = 60,
  Echo = 252, // RFC 9175
  NoResponse = 258, // RFC 7967
  RequestTag = 292, // RFC 9175
}

/** Content-Format numbers (RFC 7252 §12.3 and the IANA CoAP Content-Formats registry). */
export const enum ContentFormat {
  TextPlain = 0, // text/plain;charset=utf-8
  AceCbor = 19, // application/ace+cbor (RFC 9200)
  LinkFormat = 40, // application/link-format (RFC 6690)
  OctetStream = 42,
  Json = 50,
  Cbor = 60,
  Cwt = 61, // application/cwt (RFC 8392)
  SenmlCbor = 112, // application/senml+cbor (RFC 8428)
}

/** Value length range and repeatability of a registered option (RFC 7252 Table 4 style). */
export interface OptionFormat {
  readonly min: number;
  readonly max: number;
  readonly repeatable: boolean;
}

function fmt(min: number, max: number, repeatable: boolean): OptionFormat {
  return { min: min, max: max, repeatable: repeatable };
}

/**
 * Formats of the registered options, by number (RFC 7252 Table 4; RFC 7641 §2; RFC 7959
 * §2.1, §4; RFC 8613 §2; RFC 8768 §3; RFC 9175 §2.2, §3.2; RFC 7967 §2). A value length
 * outside the range, or a repeated non-repeatable option, is treated like an unrecognized
 * option (RFC 7252 §5.4.3, §5.4.5).
 */
export const OPTION_FORMATS: { [option: number]: OptionFormat } = {
  1: fmt(0, 8, true), // If-Match
  3: fmt(1, 255, false), // Uri-Host
  4: fmt(1, 8, true), // ETag
  5: fmt(0, 0, false), // If-None-Match
  6: fmt(0, 3, false), // Observe
  7: fmt(0, 2, false), // Uri-Port
  8: fmt(0, 255, true), // Location-Path
  9: fmt(0, 255, false), // OSCORE
  11: fmt(0, 255, true), // Uri-Path
  12: fmt(0, 2, false), // Content-Format
  14: fmt(0, 4, false), // Max-Age
  15: fmt(0, 255, true), // Uri-Query
  16: fmt(1, 1, false), // Hop-Limit
  17: fmt(0, 2, false), // Accept
  20: fmt(0, 255, true), // Location-Query
  23: fmt(0, 3, false), // Block2
  27: fmt(0, 3, false), // Block1
  28: fmt(0, 4, false), // Size2
  35: fmt(1, 1034, false), // Proxy-Uri
  39: fmt(1, 255, false), // Proxy-Scheme
  60: fmt(0, 4, false), // Size1
  252: fmt(1, 40, false), // Echo
  258: fmt(0, 1, false), // No-Response
  292: fmt(0, 8, true), // Request-Tag
};

/** Observe option values in requests (RFC 7641 §2). */
export const OBSERVE_REGISTER = 0;
export const OBSERVE_DEREGISTER = 1;
/** Observe sequence numbers are 24 bits (RFC 7641 §4.4). */
export const OBSERVE_MODULUS = 0x1000000;

/** Block SZX 7 is reserved outside BERT; receiving it in a request is 4.00 (RFC 7959 §2.2). */
export const BLOCK_SZX_MAX = 6;

/** Transmission parameters (RFC 7252 §4.8), in milliseconds where they are times. */
export const ACK_TIMEOUT = 2000;
export const ACK_RANDOM_FACTOR = 1.5;
export const MAX_RETRANSMIT = 4;
export const NSTART = 1;
export const DEFAULT_LEISURE = 5000;
export const PROBING_RATE = 1; // byte/second

/** Derived times (RFC 7252 §4.8.2), in milliseconds. */
export const MAX_TRANSMIT_SPAN = 45000; // ACK_TIMEOUT * (2^MAX_RETRANSMIT - 1) * ACK_RANDOM_FACTOR
export const MAX_TRANSMIT_WAIT = 93000; // ACK_TIMEOUT * (2^(MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR
export const MAX_LATENCY = 100000;
export const PROCESSING_DELAY = 2000; // = ACK_TIMEOUT
export const MAX_RTT = 202000; // 2 * MAX_LATENCY + PROCESSING_DELAY
export const EXCHANGE_LIFETIME = 247000; // MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY
export const NON_LIFETIME = 145000; // MAX_TRANSMIT_SPAN + MAX_LATENCY
