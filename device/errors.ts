/**
 * The one error type of the portable core.
 *
 * Espruino cannot subclass Error (it loses the message or crashes), so the core throws
 * instances of this plain class. Each `kind` knows the answer it becomes on the wire:
 * a CoAP response code and, for ACE, an error code of RFC 9200 Table 3; hosts render it.
 * Messages never carry secret bytes.
 */

/** CoAP response codes as class*32+detail (RFC 7252 §12.1.2). */
export const enum Code {
  Created = 0x41, // 2.01
  Deleted = 0x42, // 2.02
  Valid = 0x43, // 2.03
  Changed = 0x44, // 2.04
  Content = 0x45, // 2.05
  Continue = 0x5f, // 2.31
  BadRequest = 0x80, // 4.00
  Unauthorized = 0x81, // 4.01
  BadOption = 0x82, // 4.02
  Forbidden = 0x83, // 4.03
  NotFound = 0x84, // 4.04
  MethodNotAllowed = 0x85, // 4.05
  NotAcceptable = 0x86, // 4.06
  RequestEntityIncomplete = 0x88, // 4.08
  PreconditionFailed = 0x8c, // 4.12
  RequestEntityTooLarge = 0x8d, // 4.13
  UnsupportedContentFormat = 0x8f, // 4.15
  TooManyRequests = 0x9d, // 4.29
  InternalServerError = 0xa0, // 5.00
  NotImplemented = 0xa1, // 5.01
  ServiceUnavailable = 0xa3, // 5.03
}

/** ACE error codes, RFC 9200 Table 3 (CBOR abbreviations of the OAuth error values). */
export const enum AceErrorCode {
  InvalidRequest = 1,
  InvalidClient = 2,
  InvalidGrant = 3,
  UnauthorizedClient = 4,
  UnsupportedGrantType = 5,
  InvalidScope = 6,
  UnsupportedPopKey = 7,
  IncompatibleAceProfiles = 8,
}

/** What failed. Parsing kinds come first, then semantic checks, then resource limits. */
export type ErrorKind =
  | 'malformed_cbor' // not well-formed CBOR, or trailing bytes
  | 'unsupported_cbor' // well-formed but outside what the core holds (int beyond 2^53, odd map key)
  | 'malformed_cose' // CBOR fine, COSE structure wrong
  | 'malformed_key' // COSE_Key wrong or incomplete
  | 'malformed_claims' // CWT claims set wrong (types, duplicate claims)
  | 'unsupported_algorithm' // algorithm unknown or not provided by this crypto provider
  | 'bad_signature' // signature or MAC does not verify
  | 'decrypt_failed' // AEAD tag does not verify
  | 'unknown_kid' // no trusted key under that kid
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'stale' // freshness cannot be shown without a clock (exi/cnonce)
  | 'bad_cnf' // cnf missing, of an unsupported form, or undecryptable
  | 'invalid_scope'
  | 'bad_request' // any other malformed protocol input
  | 'unauthorized' // no valid authorization for the request
  | 'forbidden' // authorized, but not for this
  | 'not_found'
  | 'method_not_allowed'
  | 'bad_option' // unrecognized critical CoAP option
  | 'oscore_context_not_found'
  | 'oscore_decrypt_failed'
  | 'oscore_replay'
  | 'oscore_echo_required'
  | 'store_full'
  | 'storage_failed'
  | 'too_large'
  | 'unsupported_content_format'
  | 'internal';

interface Answer {
  code: number;
  ace?: number;
}

/**
 * The wire answer of each kind. For /authz-info, RFC 9200 §5.10.1.1: a token or claim that
 * fails verification (signature, issuer, expiry) is 4.01, a wrong audience 4.03, claims that
 * cannot be obtained or a scope the RS does not recognize 4.00. For requests to resources,
 * §5.10.2: no valid token or no proof of possession 4.01, resource not covered 4.03, method
 * not covered 4.05.
 */
const ANSWERS: { [kind: string]: Answer } = {
  malformed_cbor: { code: Code.BadRequest, ace: AceErrorCode.InvalidRequest },
  unsupported_cbor: { code: Code.BadRequest, ace: AceErrorCode.InvalidRequest },
  malformed_cose: { code: Code.Unauthorized },
  malformed_key: { code: Code.BadRequest, ace: AceErrorCode.UnsupportedPopKey },
  malformed_claims: { code: Code.Unauthorized },
  unsupported_algorithm: { code: Code.Unauthorized },
  bad_signature: { code: Code.Unauthorized },
  decrypt_failed: { code: Code.Unauthorized },
  unknown_kid: { code: Code.Unauthorized },
  wrong_audience: { code: Code.Forbidden },
  expired: { code: Code.Unauthorized },
  not_yet_valid: { code: Code.Unauthorized },
  stale: { code: Code.Unauthorized },
  bad_cnf: { code: Code.BadRequest, ace: AceErrorCode.UnsupportedPopKey },
  invalid_scope: { code: Code.BadRequest, ace: AceErrorCode.InvalidScope },
  bad_request: { code: Code.BadRequest, ace: AceErrorCode.InvalidRequest },
  unauthorized: { code: Code.Unauthorized },
  forbidden: { code: Code.Forbidden },
  not_found: { code: Code.NotFound },
  method_not_allowed: { code: Code.MethodNotAllowed },
  bad_option: { code: Code.BadOption },
  oscore_context_not_found: { code: Code.Unauthorized },
  oscore_decrypt_failed: { code: Code.BadRequest },
  oscore_replay: { code: Code.Unauthorized },
  oscore_echo_required: { code: Code.Unauthorized },
  store_full: { code: Code.ServiceUnavailable },
  storage_failed: { code: Code.InternalServerError },
  too_large: { code: Code.RequestEntityTooLarge },
  unsupported_content_format: { code: Code.UnsupportedContentFormat },
  internal: { code: Code.InternalServerError },
};

export class CoreError {
  readonly name = 'CoreError';
  readonly kind: ErrorKind;
  readonly message: string;
  /** CoAP response code this error becomes. */
  readonly code: number;
  /** ACE error code (RFC 9200 Table 3), where one applies. */
  readonly ace: number | undefined;
  /** Node keeps a stack for debugging; Espruino simply has none. */
  readonly stack: string | undefined;

  constructor(kind: ErrorKind, message: string) {
    const answer = ANSWERS[kind] || ANSWERS.internal;
    this.kind = kind;
    this.message = message;
    this.code = answer.code;
    this.ace = answer.ace;
    this.stack = new Error(kind + ': ' + message).stack;
  }

  toString(): string {
    return 'CoreError(' + this.kind + '): ' + this.message;
  }
}

export function fail(kind: ErrorKind, message: string): never {
  throw new CoreError(kind, message);
}

export function isCoreError(e: unknown): e is CoreError {
  return e instanceof CoreError;
}

/** Turns anything thrown into a CoreError, keeping CoreErrors as they are. */
export function asCoreError(e: unknown): CoreError {
  if (e instanceof CoreError) return e;
  return new CoreError('internal', 'unexpected failure');
}
