/**
 * A small ContextLookup: the server's contexts, found by Recipient ID and ID Context (RFC 8613
 * §8.2 step 2, §5.1). Recipient IDs should be unique per endpoint (§3.3), so the first match
 * wins. Arrays, not Map: the table is short and Espruino has no Map.
 */
import { bytesEqual } from '../codec/bytes.ts';
import type { SecurityContext } from './context.ts';
import type { ContextLookup } from './unprotect.ts';

function sameIdContext(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return bytesEqual(a, b);
}

export class ContextTable implements ContextLookup {
  private readonly contexts: SecurityContext[] = [];

  get size(): number {
    return this.contexts.length;
  }

  /** Adds a context, replacing one with the same Recipient ID and ID Context. */
  add(context: SecurityContext): void {
    for (let i = 0; i < this.contexts.length; i++) {
      const c = this.contexts[i];
      if (bytesEqual(c.recipient.id, context.recipient.id) && sameIdContext(c.idContext, context.idContext)) {
        this.contexts[i] = context;
        return;
      }
    }
    this.contexts.push(context);
  }

  remove(context: SecurityContext): boolean {
    const i = this.contexts.indexOf(context);
    if (i < 0) return false;
    this.contexts.splice(i, 1);
    return true;
  }

  /** A copy of the list, for sweeps. */
  all(): SecurityContext[] {
    return this.contexts.slice();
  }

  /** The context with this SecurityInfo.contextId, or null. */
  byName(name: string): SecurityContext | null {
    for (let i = 0; i < this.contexts.length; i++) if (this.contexts[i].name === name) return this.contexts[i];
    return null;
  }

  find(kid: Uint8Array, kidContext: Uint8Array | null): SecurityContext | null {
    for (let i = 0; i < this.contexts.length; i++) {
      const c = this.contexts[i];
      if (!bytesEqual(c.recipient.id, kid)) continue;
      // A request with 'kid context' must use a context with that ID Context (§5).
      if (kidContext !== null && !sameIdContext(c.idContext, kidContext)) continue;
      return c;
    }
    return null;
  }
}
