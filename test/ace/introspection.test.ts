/**
 * Connected mode: a lock takes a reference token and checks it with the AS by introspection
 * (RFC 9200 §5.9) over its pre-provisioned OSCORE context with the AS (RFC 9203 §5).
 */
import test from 'ava';
import { CborMap } from '../../device/codec/cbor.ts';
import { toHex, utf8Encode } from '../../device/codec/bytes.ts';
import { Code } from '../../device/errors.ts';
import { MemoryStorage } from '../../device/storage.ts';
import { SecurityContext } from '../../device/oscore/context.ts';
import { ContextTable } from '../../device/oscore/table.ts';
import { OscoreServer } from '../../device/oscore/server.ts';
import { Site, makeResponse } from '../../device/coap/site.ts';
import type { Exchange, RequestHandler } from '../../device/coap/interfaces.ts';
import { UdpServer } from '../../device/hosts/node/udp.ts';
import { IntrospectionParam } from '../../device/ace/numbers.ts';
import { cnfWithOsc } from '../../device/cwt/cnf-build.ts';
import { Claim } from '../../device/cwt/iana.ts';
import { postAuthzInfo, deriveClientContext } from '../../sim/phone/ace-client.ts';
import { OscoreClient } from '../../sim/phone/oscore-client.ts';
import { CBOR_FORMAT, codec, codeOf, command, makeWorld, provider, startDevice } from './fixtures.ts';

const refuse: RequestHandler = { handle: (x: Exchange) => x.respond({ code: Code.Unauthorized, options: [], payload: new Uint8Array(0) }) };

test('a connected lock accepts a reference token the AS vouches for, and refuses one it does not', async (t) => {
  const world = makeWorld('lock', true);
  const channel = { ms: provider.randomBytes(16), salt: provider.randomBytes(8), deviceId: new Uint8Array([0xd1]), asId: new Uint8Array([0xa5]) };
  // The AS: /introspect behind OSCORE, answering from its table of reference tokens.
  const references = new Map<string, CborMap>();
  const osc = { id: utf8Encode('pop1'), version: null, ms: provider.randomBytes(16), hkdf: null, alg: null, salt: null, contextId: null };
  const active = new CborMap()
    .set(IntrospectionParam.Active, true)
    .set(Claim.Aud, 'lock-1')
    .set(Claim.Exp, Math.floor(Date.now() / 1000) + 600)
    .set(Claim.Scope, 'lock:open')
    .set(Claim.Cnf, cnfWithOsc(osc));
  const reference = provider.randomBytes(16);
  references.set(toHex(reference), active);
  // reference bytes that happen to parse as CBOR (an array of two): still a reference
  const lookalike = new Uint8Array([0x82, 0x01, 0x02]);
  references.set(toHex(lookalike), active);
  let introspections = 0;
  const site = new Site().add('/introspect', {
    linkAttributes: '', observable: false,
    render(x: Exchange) {
      introspections++;
      const body = codec.decode(x.request.payload) as CborMap;
      const known = references.get(toHex(body.get(IntrospectionParam.Token) as Uint8Array));
      return makeResponse(Code.Content, codec.encode(known ?? new CborMap().set(IntrospectionParam.Active, false)), 19);
    },
  });
  const asContexts = new ContextTable();
  asContexts.add(new SecurityContext(provider, { masterSecret: channel.ms, masterSalt: channel.salt, senderId: channel.asId, recipientId: channel.deviceId },
    { storage: new MemoryStorage(), storageKey: 'as' }));
  const as = await UdpServer.listen(new OscoreServer(asContexts, site, refuse), { host: '127.0.0.1', port: 0 });
  world.keystore.mode = 'connected';
  world.keystore.asUri = 'coap://127.0.0.1:' + as.address().port;
  world.keystore.asOscore = { masterSecret: channel.ms, masterSalt: channel.salt, senderId: channel.deviceId, recipientId: channel.asId, idContext: null };
  const lock = await startDevice(world);
  try {
    const nonce1 = provider.randomBytes(8);
    const id1 = new Uint8Array([7]);
    const reply = await postAuthzInfo({ host: '127.0.0.1', port: lock.port, token: reference }, nonce1, id1);
    t.is(reply.code, '2.01');
    t.is(introspections, 1);
    const session = deriveClientContext({ masterSecret: osc.ms, salt: null, idContext: null, aeadAlg: 10, id: osc.id },
      nonce1, reply.body!, id1, provider, new MemoryStorage(), codec);
    const client = new OscoreClient({ host: '127.0.0.1', port: lock.port, context: session.context, timeoutMs: 5000 });
    t.is(codeOf(await client.request({ method: 'POST', path: '/lock', options: CBOR_FORMAT, payload: command('locked', false) })), '2.04');
    await client.close();
    const again = await postAuthzInfo({ host: '127.0.0.1', port: lock.port, token: lookalike }, provider.randomBytes(8), new Uint8Array([9]));
    t.is(again.code, '2.01', 'a reference that parses as a CBOR array is introspected too');
    introspections--;
    // unknown to the AS: inactive, 4.01
    const unknown = await postAuthzInfo({ host: '127.0.0.1', port: lock.port, token: provider.randomBytes(16) }, nonce1, new Uint8Array([8]));
    t.is(unknown.code, '4.01');
    t.is(introspections, 2);
  } finally {
    await lock.close();
    await as.close();
  }
});

test('a disconnected sensor never introspects: a reference token is simply not a token', async (t) => {
  const world = makeWorld('sensor', true);
  const host = await startDevice(world);
  try {
    const reply = await postAuthzInfo({ host: '127.0.0.1', port: host.port, token: provider.randomBytes(16) }, provider.randomBytes(8), new Uint8Array([1]));
    t.true(reply.code === '4.00' || reply.code === '4.01');
  } finally {
    await host.close();
  }
});
