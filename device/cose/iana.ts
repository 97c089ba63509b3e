/**
 * COSE numbers, named once, with the registry table each comes from (RFC 9052, RFC 9053).
 * Algorithms and curves are the crypto layer's `Alg` and `Curve` (device/crypto/provider.ts),
 * re-exported here so COSE code has one place to import its numbers from.
 */
export { Alg, Curve } from '../crypto/provider.ts';

/** CBOR tags of the COSE messages (RFC 9052 §2, Table 1) and of CWT (RFC 8392 §6). */
export const enum CoseTag {
  Encrypt0 = 16,
  Mac0 = 17,
  Sign1 = 18,
  Encrypt = 96,
  Mac = 97,
  Sign = 98,
  CWT = 61,
}

/** COSE header parameter labels. */
export const enum Header {
  // RFC 9052 §3.1, Table 3 (Common Header Parameters)
  Alg = 1,
  Crit = 2,
  ContentType = 3,
  Kid = 4,
  IV = 5,
  PartialIV = 6,
  // RFC 8152 §3.1, Table 2 (counter signatures; RFC 9338 Table 1 adds the version 2 labels)
  CounterSignature = 7,
  CounterSignature0 = 9,
  CounterSignatureV2 = 11,
  CounterSignature0V2 = 12,
  // RFC 9053 §6.3.1, Table 15 (ECDH Algorithm Parameters)
  EphemeralKey = -1,
  StaticKey = -2,
  StaticKeyId = -3,
  // RFC 9053 §5.1, Table 9 (HKDF Algorithm Parameters)
  Salt = -20,
  // RFC 9053 §5.2, Table 10 (Context Algorithm Parameters)
  PartyUIdentity = -21,
  PartyUNonce = -22,
  PartyUOther = -23,
  PartyVIdentity = -24,
  PartyVNonce = -25,
  PartyVOther = -26,
}

/** COSE_Key labels. Common ones: RFC 9052 §7.1, Table 4; key-type ones: RFC 9053 Tables 19–21. */
export const enum KeyLabel {
  Kty = 1,
  Kid = 2,
  Alg = 3,
  KeyOps = 4,
  BaseIV = 5,
  // EC2 (Table 19) and OKP (Table 20)
  Crv = -1,
  X = -2,
  Y = -3,
  D = -4,
  // Symmetric (Table 21)
  K = -1,
}

/** Key types, RFC 9053 §7, Table 17. */
export const enum KeyType {
  OKP = 1,
  EC2 = 2,
  Symmetric = 4,
}

/** key_ops values, RFC 9052 §7.1, Table 5. */
export const enum KeyOp {
  Sign = 1,
  Verify = 2,
  Encrypt = 3,
  Decrypt = 4,
  WrapKey = 5,
  UnwrapKey = 6,
  DeriveKey = 7,
  DeriveBits = 8,
  MacCreate = 9,
  MacVerify = 10,
}

/** Context strings of the to-be-signed/MACed/encrypted structures (RFC 9052 §4.4, §5.3, §6.3). */
export const SIGNATURE1 = 'Signature1';
export const MAC0 = 'MAC0';
export const ENCRYPT0 = 'Encrypt0';
export const ENCRYPT = 'Encrypt';
