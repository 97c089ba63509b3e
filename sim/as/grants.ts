/**
 * Short-lived state of the AS: authorization codes (RFC 6749 §4.1.2: single use, a minute or
 * so) bound to their PKCE challenge, and the reference tokens a connected device introspects
 * (RFC 9200 §5.9), with the claims they stand for.
 */
import type { CborMap } from '../../device/codec/cbor.ts';
import { toHex } from '../../device/codec/bytes.ts';
import { base64url } from './pkce.ts';

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  subject: string;
  audience: string;
  /** Scope tokens asked for (null: whatever the policy allows). */
  scope: string[] | null;
  challenge: string;
  expiresAt: number;
  failures: number;
}

/** Codes live this long (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const CODE_LIFETIME_S = 60;
/** A code is burned after this many wrong verifiers. */
export const MAX_VERIFIER_FAILURES = 3;

export class CodeStore {
  private readonly codes = new Map<string, CodeGrant>();

  constructor(private readonly random: (n: number) => Uint8Array) {}

  issue(grant: Omit<CodeGrant, 'failures'>): string {
    const code = base64url(this.random(16));
    this.codes.set(code, { ...grant, failures: 0 });
    return code;
  }

  /** The grant behind a live code; expired ones are forgotten. */
  find(code: string, now: number): CodeGrant | null {
    const g = this.codes.get(code);
    if (g === undefined) return null;
    if (g.expiresAt <= now) {
      this.codes.delete(code);
      return null;
    }
    return g;
  }

  /** Single use: gone once redeemed. */
  consume(code: string): void {
    this.codes.delete(code);
  }

  /** A wrong verifier; the code is burned after MAX_VERIFIER_FAILURES. */
  failed(code: string): void {
    const g = this.codes.get(code);
    if (g !== undefined && ++g.failures >= MAX_VERIFIER_FAILURES) this.codes.delete(code);
  }
}

export interface ReferenceToken {
  audience: string;
  subject: string;
  /** Wall time (s) it ends. */
  exp: number;
  /** The claims the introspection answer carries (without active). */
  claims: CborMap;
}

export class ReferenceStore {
  private readonly refs = new Map<string, ReferenceToken>();

  add(reference: Uint8Array, t: ReferenceToken): void {
    this.refs.set(toHex(reference), t);
  }

  find(reference: Uint8Array): ReferenceToken | null {
    return this.refs.get(toHex(reference)) ?? null;
  }

  get size(): number {
    return this.refs.size;
  }
}
