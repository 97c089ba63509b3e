/**
 * OSCORE's own numbers (RFC 8613). CoAP option and code numbers live in device/coap/numbers.ts.
 */

/** aad_array's oscore_version (§5.4). */
export const OSCORE_VERSION = 1;

/** Flag bits of the first byte of the OSCORE option value (§6.1, "OSCORE Flag Bits" registry §13.7). */
export const FLAG_PIV_LENGTH_MASK = 0x07; // n: Partial IV length; 6 and 7 are reserved
export const FLAG_KID = 0x08; // k
export const FLAG_KID_CONTEXT = 0x10; // h
export const FLAG_RESERVED = 0xe0; // must be zero in this version

/** Longest Partial IV: 5 bytes, since the nonce pads it to 5 (§5.2). */
export const MAX_PIV_LENGTH = 5;

/** Sender Sequence Numbers stay below 2^40 (§7.2.1). */
export const SEQUENCE_LIMIT = 1099511627776;

/** Default replay window: 32 entries, the DTLS anti-replay window (§3.2.2). */
export const DEFAULT_REPLAY_WINDOW = 32;

/** HKDF SHA-256 as a COSE algorithm, OSCORE's default and mandatory HKDF (§3.2.1). */
export const HKDF_SHA_256 = -10;

/** AES-CCM-16-64-128, OSCORE's default and mandatory AEAD (§3.2, §5). */
export const DEFAULT_AEAD = 10;

/** Diagnostic payloads the RFC suggests for the unprotected error responses (§7.4, §8.2). */
export const DIAG_CONTEXT_NOT_FOUND = 'Security context not found';
export const DIAG_DECODE_FAILED = 'Failed to decode COSE';
export const DIAG_DECRYPT_FAILED = 'Decryption failed';
export const DIAG_REPLAY = 'Replay detected';
