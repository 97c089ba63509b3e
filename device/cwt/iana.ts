/** CWT numbers, named once, with the registry table each comes from. */

/** CWT claim keys: RFC 8392 §3.1 and §9.1.2; ACE claims: RFC 9200 §8.14 (rfc9200-ace.json); cnf: RFC 8747 §3.1. */
export const enum Claim {
  Iss = 1,
  Sub = 2,
  Aud = 3,
  Exp = 4,
  Nbf = 5,
  Iat = 6,
  Cti = 7,
  Cnf = 8,
  Scope = 9,
  AceProfile = 38,
  Cnonce = 39,
  Exi = 40,
}

/** Members of the cnf claim: RFC 8747 §3.1, Table 1; osc: RFC 9203 §9.5. */
export const enum CnfMethod {
  CoseKey = 1,
  EncryptedCoseKey = 2,
  Kid = 3,
  Osc = 4,
}

/** OSCORE_Input_Material labels, RFC 9203 §3.2.1, Table 1 (rfc9203-ace-oscore.json). */
export const enum OscLabel {
  Id = 0,
  Version = 1,
  Ms = 2,
  Hkdf = 3,
  Alg = 4,
  Salt = 5,
  ContextId = 6,
}

/** CoAP Content-Format of application/cwt (RFC 8392 §9.3), the content type of a nested CWT. */
export const CONTENT_FORMAT_CWT = 61;
