/**
 * The ACE layer's protocol numbers, each named once with the table it comes from.
 *
 * Named elsewhere, once: ACE error codes (RFC 9200 Table 3) in device/errors.ts (AceErrorCode);
 * CWT claim keys, the `osc` confirmation method and the OSCORE_Input_Material labels (RFC 9203
 * §3.2.1, §9.5) in device/cwt/iana.ts (Claim, CnfMethod, OscLabel); the application/ace+cbor
 * content format (RFC 9200 §8.16) in device/coap/numbers.ts. test/ace/numbers.test.ts checks
 * them all against the RFC tables. The OAuth parameters of RFC 9200 Table 5, RFC 9201 and RFC 9203 §9.3
 * share one IANA registry ("OAuth Parameters CBOR Mappings"), so they share one enum; the
 * introspection parameters (Table 6) are a registry of their own with overlapping numbers.
 */

/** RFC 9200 §5.3, Table 1: AS Request Creation Hints. */
export const enum CreationHint {
  AS = 1,
  Kid = 2,
  Audience = 5,
  Scope = 9,
  Cnonce = 39,
}

/**
 * OAuth Parameters CBOR Mappings: RFC 9200 §5.8.5 Table 5 (token request and response),
 * RFC 9201 §5 (req_cnf, cnf, rs_cnf) and RFC 9203 §9.3 (the /authz-info exchange).
 */
export const enum AceParam {
  // RFC 9200 Table 5
  AccessToken = 1,
  ExpiresIn = 2,
  Audience = 5,
  Scope = 9,
  ClientId = 24,
  ClientSecret = 25,
  ResponseType = 26,
  RedirectUri = 27,
  State = 28,
  Code = 29,
  Error = 30,
  ErrorDescription = 31,
  ErrorUri = 32,
  GrantType = 33,
  TokenType = 34,
  Username = 35,
  Password = 36,
  RefreshToken = 37,
  AceProfile = 38,
  Cnonce = 39,
  // RFC 9201 §5
  ReqCnf = 4,
  Cnf = 8,
  RsCnf = 41,
  // RFC 9203 §9.3
  Nonce1 = 40,
  Nonce2 = 42,
  AceClientRecipientId = 43,
  AceServerRecipientId = 44,
}

/** RFC 9200 §5.9.4, Table 6: CBOR mappings of the token introspection parameters. */
export const enum IntrospectionParam {
  Iss = 1,
  Sub = 2,
  Aud = 3,
  Exp = 4,
  Nbf = 5,
  Iat = 6,
  Cti = 7,
  Scope = 9,
  Active = 10,
  Token = 11,
  ClientId = 24,
  Error = 30,
  ErrorDescription = 31,
  ErrorUri = 32,
  TokenTypeHint = 33,
  TokenType = 34,
  Username = 35,
  AceProfile = 38,
  Cnonce = 39,
  Exi = 40,
}

/** RFC 9200 §5.8.4.1, Table 4: grant types. */
export const enum GrantType {
  Password = 0,
  AuthorizationCode = 1,
  ClientCredentials = 2,
  RefreshToken = 3,
}

/** RFC 9200 §8.7.1: OAuth Access Token Type CBOR Mappings. */
export const enum TokenType {
  Bearer = 1,
  PoP = 2,
}

/** ACE Profile registry: RFC 9203 §9.1. */
export const enum AceProfile {
  CoapOscore = 2,
}

/**
 * RFC 9237 §3 (AIF, REST-method-set): permission bits, 2^(CoAP method code - 1).
 * Dynamic-X permissions are the same bits shifted by DYNAMIC_OFFSET (32), beyond 2^32.
 */
export const enum AifMethod {
  GET = 1,
  POST = 2,
  PUT = 4,
  DELETE = 8,
  FETCH = 16,
  PATCH = 32,
  iPATCH = 64,
}

/** Every method bit the basic REST model defines (GET..iPATCH). */
export const AIF_ALL_METHODS = 127;
/** RFC 9237 §3: Dynamic-Offset, the bit position of Dynamic-GET. */
export const AIF_DYNAMIC_OFFSET = 32;
