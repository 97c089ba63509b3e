/**
 * RFC 8613 Appendix C.4–C.8 byte for byte on every provider: requests protected with the given
 * sender sequence number, verified by the server back to the original; responses reusing the
 * request nonce (C.7) or carrying their own Partial IV (C.8), verified by the client.
 */
import test from 'ava';
import { toHex } from '../../device/codec/bytes.ts';
import { decode, encodeParts } from '../../device/coap/message.ts';
import type { CoapMessage } from '../../device/coap/interfaces.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { MemoryStorage } from '../../device/storage.ts';
import { SecurityContext } from '../../device/oscore/context.ts';
import { protectResponse, sealRequest } from '../../device/oscore/protect.ts';
import type { MessageContent } from '../../device/oscore/protect.ts';
import { ContextTable } from '../../device/oscore/table.ts';
import { unprotectResponse, verifyRequest } from '../../device/oscore/unprotect.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { hex, loadVectors } from '../helpers/vectors.ts';

const V = loadVectors('rfc8613-oscore.json');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const byId = (id: string): any => [...V.key_derivation, ...V.message_protection].find((v) => v.id === id);

/** Which key derivation vector each message vector's client (and server) context comes from. */
const CONTEXTS: { [id: string]: { client: string; server: string } } = {
  'C.4': { client: 'C.1.1', server: 'C.1.2' },
  'C.5': { client: 'C.2.1', server: 'C.2.2' },
  'C.6': { client: 'C.3.1', server: 'C.3.2' },
};

function context(provider: CryptoProvider, kdId: string): SecurityContext {
  const i = byId(kdId).inputs;
  return new SecurityContext(provider, {
    masterSecret: hex(i.master_secret),
    masterSalt: i.master_salt === null ? undefined : hex(i.master_salt),
    senderId: hex(i.sender_id),
    recipientId: hex(i.recipient_id),
    idContext: i.id_context === null ? null : hex(i.id_context),
    aeadAlg: i.aead_alg,
  }, { storage: new MemoryStorage(), storageKey: 'seq' });
}

function withContent(m: CoapMessage, c: MessageContent): string {
  return toHex(encodeParts(m.type, c.code, m.messageId, m.token, c.options, c.payload));
}

function content(m: CoapMessage): MessageContent {
  return { code: m.code, options: m.options, payload: m.payload };
}

for (const provider of PROVIDERS) {
  for (const id of ['C.4', 'C.5', 'C.6']) {
    test(`${id} request: protected byte for byte, and verified back [${provider.name}]`, (t) => {
      const v = byId(id);
      const plain = decode(hex(v.unprotected_coap_message));
      const client = context(provider, CONTEXTS[id].client);
      const p = sealRequest(client.sender, content(plain), v.sender_context.sender_sequence_number, v.kid_context !== null);
      t.is(toHex(p.binding.aad), v.aad);
      t.is(toHex(p.binding.nonce), v.nonce);
      t.is(toHex(p.message.payload), v.ciphertext);
      t.is(withContent(plain, p.message), v.protected_coap_message);

      const table = new ContextTable();
      table.add(context(provider, CONTEXTS[id].server));
      const protectedMessage = decode(hex(v.protected_coap_message));
      const verified = verifyRequest(table, content(protectedMessage));
      t.is(withContent(protectedMessage, verified.request), v.unprotected_coap_message);
      t.is(verified.binding.seq, 20);
      t.is(toHex(verified.binding.aad), v.aad);
    });
  }

  for (const id of ['C.7', 'C.8']) {
    test(`${id} response: protected byte for byte, and verified by the client [${provider.name}]`, (t) => {
      const v = byId(id);
      const request = byId(v.request_vector);
      // the server verifies the C.4 request, then protects its response
      const table = new ContextTable();
      const server = context(provider, 'C.1.2');
      table.add(server);
      const verified = verifyRequest(table, content(decode(hex(request.protected_coap_message))));
      const plain = decode(hex(v.unprotected_coap_message));
      const ownPiv = v.partial_iv !== null;
      t.is(server.sender.sequence.next, v.sender_context.sender_sequence_number);
      const response = protectResponse(server.sender, verified.binding, content(plain), ownPiv);
      t.is(toHex(response.payload), v.ciphertext);
      t.is(withContent(plain, response), v.protected_coap_message);

      // the client, holding the binding of its C.4 request, verifies it
      const client = context(provider, 'C.1.1');
      const sent = sealRequest(client.sender, content(decode(hex(request.unprotected_coap_message))), 20, false);
      const protectedResponse = decode(hex(v.protected_coap_message));
      const back = unprotectResponse(client.recipient, sent.binding, content(protectedResponse));
      t.is(withContent(protectedResponse, back), v.unprotected_coap_message);
    });
  }
}
