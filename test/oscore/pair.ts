/** A client and a server context derived from the same inputs, for the protocol tests. */
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { MemoryStorage } from '../../device/storage.ts';
import type { Storage } from '../../device/storage.ts';
import { SecurityContext } from '../../device/oscore/context.ts';
import type { ContextInput } from '../../device/oscore/context.ts';
import { hex } from '../helpers/vectors.ts';

export const CLIENT_ID = hex('01');
export const SERVER_ID = hex('');

export function inputs(alg: number, idContext: Uint8Array | null = null): { client: ContextInput; server: ContextInput } {
  const common = { masterSecret: hex('0102030405060708090a0b0c0d0e0f10'), masterSalt: hex('9e7ca92223786340'), idContext, aeadAlg: alg };
  return {
    client: { ...common, senderId: CLIENT_ID, recipientId: SERVER_ID },
    server: { ...common, senderId: SERVER_ID, recipientId: CLIENT_ID },
  };
}

export interface Pair {
  client: SecurityContext;
  server: SecurityContext;
  clientStorage: Storage;
  serverStorage: Storage;
  /** Recreates the server context from its storage, as after a power loss. */
  rebootServer(): SecurityContext;
  /** Recreates the client context from its storage. */
  rebootClient(): SecurityContext;
}

export function pair(provider: CryptoProvider, alg = 10, step = 16, idContext: Uint8Array | null = null): Pair {
  const i = inputs(alg, idContext);
  const clientStorage = new MemoryStorage();
  const serverStorage = new MemoryStorage();
  const make = (input: ContextInput, storage: Storage) =>
    new SecurityContext(provider, input, { storage, storageKey: 'seq', sequenceStep: step });
  const p: Pair = {
    client: make(i.client, clientStorage),
    server: make(i.server, serverStorage),
    clientStorage,
    serverStorage,
    rebootServer: () => (p.server = make(i.server, serverStorage)),
    rebootClient: () => (p.client = make(i.client, clientStorage)),
  };
  return p;
}
