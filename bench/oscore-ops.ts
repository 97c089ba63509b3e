/**
 * Table 2: OSCORE per second on each provider. One operation is a whole round trip's crypto:
 * the client protects a GET (RFC 8613 §8.1), the server verifies it (§8.2, replay window
 * included), protects its 2.05 (§8.3) and the client verifies that (§8.4). Also the context
 * derivation (§3.2.1) the device runs for each token it accepts.
 * Contexts are paired as in test/oscore/pair.ts: same inputs, sender and recipient swapped.
 */
import { MemoryStorage } from '../device/storage.ts';
import { SecurityContext } from '../device/oscore/context.ts';
import type { ContextInput } from '../device/oscore/context.ts';
import { ContextTable } from '../device/oscore/table.ts';
import { protectRequest, protectResponse } from '../device/oscore/protect.ts';
import type { MessageContent } from '../device/oscore/protect.ts';
import { unprotectResponse, verifyRequest } from '../device/oscore/unprotect.ts';
import { encodeUint } from '../device/coap/message.ts';
import { ContentFormat, Method, Option } from '../device/coap/numbers.ts';
import { Code } from '../device/errors.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { Alg } from '../device/crypto/provider.ts';
import { utf8Encode } from '../device/codec/bytes.ts';
import { measureInterleaved, ratioOf } from './stats.ts';
import type { Case, SampleOptions, Summary } from './stats.ts';
import { PROVIDERS } from './token-pipeline.ts';

/** The lock's state as the device answers it: CBOR {"locked": true}. */
export const LOCK_STATE = new Uint8Array([0xa1, 0x66, 0x6c, 0x6f, 0x63, 0x6b, 0x65, 0x64, 0xf5]);

export function contextInputs(alg: number): { client: ContextInput; server: ContextInput } {
  const common = {
    masterSecret: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
    masterSalt: new Uint8Array([0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40]),
    idContext: null,
    aeadAlg: alg,
  };
  // as after /authz-info: the device's Recipient ID (ID2, 2 bytes) is the client's Sender ID
  const id1 = new Uint8Array([1]);
  const id2 = new Uint8Array([0x2a, 0x17]);
  return {
    client: { ...common, senderId: id2, recipientId: id1 },
    server: { ...common, senderId: id1, recipientId: id2 },
  };
}

export const GET_LOCK: MessageContent = {
  code: Method.GET,
  options: [{ number: Option.UriPath, value: utf8Encode('lock') }],
  payload: new Uint8Array(0),
};

export const LOCK_CONTENT: MessageContent = {
  code: Code.Content,
  options: [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.Cbor) }],
  payload: LOCK_STATE,
};

function roundTripCase(provider: CryptoProvider, alg: number): Case {
  const inputs = contextInputs(alg);
  const client = new SecurityContext(provider, inputs.client, { storage: new MemoryStorage(), storageKey: 'c' });
  const server = new SecurityContext(provider, inputs.server, { storage: new MemoryStorage(), storageKey: 's' });
  const table = new ContextTable();
  table.add(server);
  const op = () => {
    const req = protectRequest(client.sender, GET_LOCK, false);
    const verified = verifyRequest(table, req.message);
    const resp = protectResponse(server.sender, verified.binding, LOCK_CONTENT, false);
    const plain = unprotectResponse(client.recipient, req.binding, resp);
    if (plain.code !== Code.Content) throw new Error('round trip failed');
  };
  op();
  return { name: 'round trip', op };
}

function derivationCase(provider: CryptoProvider, alg: number): Case {
  const input = contextInputs(alg).server;
  const storage = new MemoryStorage();
  return { name: 'derive', op: () => void new SecurityContext(provider, input, { storage, storageKey: 's' }) };
}

export interface OscoreRow {
  operation: string;
  portable: Summary;
  node: Summary;
  ratio: Summary;
}

export function runOscore(o: SampleOptions, log: (s: string) => void): OscoreRow[] {
  const rows: OscoreRow[] = [];
  const plan: { operation: string; make: (p: CryptoProvider) => Case }[] = [
    { operation: 'GET + 2.05 protect/verify, AES-CCM-16-64-128', make: (p) => roundTripCase(p, Alg.AES_CCM_16_64_128) },
    { operation: 'GET + 2.05 protect/verify, A128GCM', make: (p) => roundTripCase(p, Alg.A128GCM) },
    { operation: 'context derivation (3× HKDF), AES-CCM', make: (p) => derivationCase(p, Alg.AES_CCM_16_64_128) },
  ];
  for (const step of plan) {
    log('  ' + step.operation);
    const [portable, node] = measureInterleaved(PROVIDERS.map((p) => step.make(p.provider)), o);
    rows.push({ operation: step.operation, portable, node, ratio: ratioOf(node, portable) });
  }
  return rows;
}
