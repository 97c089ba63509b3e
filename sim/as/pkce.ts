/**
 * Proof Key for Code Exchange (RFC 7636), the AS's side and the helpers a public client
 * (the phone app, which holds no secret) uses. Only S256 is accepted: `plain` protects
 * nothing against an attacker who reads the authorization request (§4.2, §7.2).
 */
import { constantTimeEqual, utf8Encode } from '../../device/codec/bytes.ts';

export const S256 = 'S256';
/** §4.1: code_verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** BASE64URL-ENCODE without padding (RFC 7636 Appendix A). */
export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function isVerifier(v: unknown): v is string {
  return typeof v === 'string' && VERIFIER.test(v);
}

/** A fresh verifier from 32 random bytes (§4.1 recommends 32 octets, 43 characters). */
export function newVerifier(random: (n: number) => Uint8Array): string {
  return base64url(random(32));
}

/** §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
export function challengeS256(verifier: string, sha256: (d: Uint8Array) => Uint8Array): string {
  return base64url(sha256(utf8Encode(verifier)));
}

/** §4.6: the verifier must hash to the challenge stored with the code. */
export function verifierMatches(verifier: unknown, challenge: string, sha256: (d: Uint8Array) => Uint8Array): boolean {
  if (!isVerifier(verifier)) return false;
  return constantTimeEqual(utf8Encode(challengeS256(verifier, sha256)), utf8Encode(challenge));
}
