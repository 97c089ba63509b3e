/**
 * The phone's side of the ACE OSCORE profile (RFC 9203 §4): POST the token to the device's
 * /authz-info with a fresh nonce N1 and the phone's Recipient ID (ID1), read N2 and ID2 from
 * the 2.01, and derive the OSCORE context: Master Salt = bstr(salt) | bstr(N1) | bstr(N2),
 * Sender ID = ID2, Recipient ID = ID1 (§4.3).
 */
import { registerFormat, request as coapRequest } from 'coap';
import type { Agent, IncomingMessage } from 'coap';
import { randomBytes } from 'node:crypto';
import { CborMap, portableCbor } from '../../device/codec/cbor.ts';
import type { CborCodec } from '../../device/codec/cbor.ts';
import { concatBytes, toHex } from '../../device/codec/bytes.ts';
import { CoreError } from '../../device/errors.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import type { Storage } from '../../device/storage.ts';
import { MemoryStorage } from '../../device/storage.ts';
import { SecurityContext } from '../../device/oscore/context.ts';
import { AceParam } from '../../device/ace/numbers.ts';
import type { ClientMaterial } from '../as/issuer.ts';

// node-coap knows content formats by name only; RFC 9200 §8.16 registers this one.
registerFormat('application/ace+cbor', 19);

export interface AuthzInfoReply {
  /** CoAP code as "2.01", "4.01", ... */
  code: string;
  /** The decoded CBOR payload (a map), or null. */
  body: CborMap | null;
  raw: Uint8Array;
}

export interface PostTokenOptions {
  host: string;
  port: number;
  token: Uint8Array;
  /** The phone's N1 (8 random bytes when absent). */
  nonce1?: Uint8Array;
  /** The phone's Recipient ID ID1 (1 random byte when absent). */
  recipientId?: Uint8Array;
  /** Leave out nonce1/ace_client_recipientid (to test the device's refusal). */
  bare?: boolean;
  codec?: CborCodec;
  timeoutMs?: number;
  /** The node-coap Agent to send through (the simulator's, on a simulated socket); node-coap's global one when absent. */
  agent?: Agent;
}

/** One POST to /authz-info; resolves with whatever the device answers. */
export function postAuthzInfo(o: PostTokenOptions, nonce1: Uint8Array, id1: Uint8Array): Promise<AuthzInfoReply> {
  const codec = o.codec ?? portableCbor;
  const body = new CborMap().set(AceParam.AccessToken, o.token);
  if (!o.bare) {
    body.set(AceParam.Nonce1, nonce1);
    body.set(AceParam.AceClientRecipientId, id1);
  }
  return new Promise((resolve, reject) => {
    const params = { hostname: o.host, port: o.port, method: 'POST' as const, pathname: '/authz-info', confirmable: true };
    const req = o.agent !== undefined ? o.agent.request(params) : coapRequest(params);
    req.setOption('Content-Format', 'application/ace+cbor');
    const timer = setTimeout(() => reject(new CoreError('internal', 'no answer from /authz-info')), o.timeoutMs ?? 20000);
    req.on('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      const raw = new Uint8Array(res.payload);
      let decoded: CborMap | null = null;
      try {
        const v = raw.length > 0 ? codec.decode(raw) : null;
        decoded = v instanceof CborMap ? v : null;
      } catch {
        decoded = null;
      }
      resolve({ code: res.code, body: decoded, raw });
    });
    req.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(new CoreError('internal', 'transport error: ' + e.message));
    });
    req.end(Buffer.from(codec.encode(body)));
  });
}

export interface Session {
  context: SecurityContext;
  nonce1: Uint8Array;
  nonce2: Uint8Array;
  /** The phone's Recipient ID (ID1) and Sender ID (ID2). */
  recipientId: Uint8Array;
  senderId: Uint8Array;
}

/** Derives the phone's context from the 2.01 (RFC 9203 §4.3). */
export function deriveClientContext(material: ClientMaterial, nonce1: Uint8Array, reply: CborMap, id1: Uint8Array,
  provider: CryptoProvider, storage: Storage, codec: CborCodec): Session {
  const nonce2 = reply.get(AceParam.Nonce2);
  const id2 = reply.get(AceParam.AceServerRecipientId);
  if (!(nonce2 instanceof Uint8Array) || !(id2 instanceof Uint8Array)) throw new CoreError('bad_request', '2.01 lacks nonce2 or ace_server_recipientid');
  // §4.3: the client must not derive a context whose two IDs are equal.
  if (toHex(id2) === toHex(id1)) throw new CoreError('bad_request', 'ace_server_recipientid equals ace_client_recipientid');
  const salt = material.salt ?? new Uint8Array(0);
  const context = new SecurityContext(provider, {
    masterSecret: material.masterSecret,
    masterSalt: concatBytes([codec.encode(salt), codec.encode(nonce1), codec.encode(nonce2)]),
    senderId: id2,
    recipientId: id1,
    idContext: material.idContext,
    aeadAlg: material.aeadAlg,
  }, { storage, storageKey: 'phone-seq-' + toHex(id2) + '-' + toHex(randomBytes(4)) });
  return { context, nonce1, nonce2, recipientId: id1, senderId: id2 };
}

/** POST the token and derive the context; throws with the device's answer when it is not 2.01. */
export async function establish(o: PostTokenOptions, material: ClientMaterial, provider: CryptoProvider, storage?: Storage): Promise<Session> {
  const nonce1 = o.nonce1 ?? new Uint8Array(randomBytes(8));
  const id1 = o.recipientId ?? new Uint8Array(randomBytes(1));
  const reply = await postAuthzInfo(o, nonce1, id1);
  if (reply.code !== '2.01' || reply.body === null) {
    const description = reply.body?.get(AceParam.ErrorDescription);
    throw new CoreError('unauthorized', '/authz-info answered ' + reply.code + (typeof description === 'string' ? ': ' + description : ''));
  }
  return deriveClientContext(material, nonce1, reply.body, id1, provider, storage ?? new MemoryStorage(), o.codec ?? portableCbor);
}
