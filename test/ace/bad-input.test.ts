/**
 * The README's bad-input table, row by row, against a running device over loopback UDP:
 * each hostile input gets its answer (or silence), and the device goes on serving.
 * (Audience, expiry, signature, cnf and scope refusals at /authz-info: flow.test.ts.)
 */
import test from 'ava';
import dgram from 'node:dgram';
import { decode as decodeCoap, encode as encodeCoap } from '../../device/coap/message.ts';
import { Type } from '../../device/coap/numbers.ts';
import type { CoapMessage } from '../../device/coap/interfaces.ts';
import { postAuthzInfo } from '../../sim/phone/ace-client.ts';
import { CborMap } from '../../device/codec/cbor.ts';
import { AceParam } from '../../device/ace/numbers.ts';
import { CBOR_FORMAT, codec, codeOf, command, connect, makeWorld, mint, provider, replayOf, startDevice } from './fixtures.ts';
import type { DeviceHost } from '../../device/hosts/node/device-host.ts';

/** A raw UDP socket: send bytes, collect what comes back within `waitMs`. */
async function exchange(port: number, datagrams: Uint8Array[], waitMs = 300): Promise<Uint8Array[]> {
  const socket = dgram.createSocket('udp4');
  const replies: Uint8Array[] = [];
  socket.on('message', (m) => replies.push(new Uint8Array(m)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  for (const d of datagrams) socket.send(d, port, '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  socket.close();
  return replies;
}

async function stillServes(t: { is: (a: unknown, b: unknown, m?: string) => void }, host: DeviceHost): Promise<void> {
  const ping: CoapMessage = { type: Type.CON, code: 1, messageId: 0x1234, token: new Uint8Array([1]), options: [{ number: 11, value: new TextEncoder().encode('.well-known') }, { number: 11, value: new TextEncoder().encode('core') }], payload: new Uint8Array(0) };
  const [reply] = await exchange(host.port, [encodeCoap(ping)]);
  t.is(reply !== undefined && decodeCoap(reply).code, 0x45, 'the device still answers discovery');
}

test('garbage datagrams: silence or RST, never a crash', async (t) => {
  const host = await startDevice(makeWorld('lock', true));
  try {
    const garbage: Uint8Array[] = [new Uint8Array(0), new Uint8Array([0xff]), provider.randomBytes(3)];
    for (let i = 0; i < 200; i++) garbage.push(provider.randomBytes(1 + (i % 64)));
    const replies = await exchange(host.port, garbage);
    // what the device sends back is well-formed CoAP: RSTs, or answers to bytes that happened to parse as a request
    for (const r of replies) {
      const m = decodeCoap(r);
      t.true(m.type === Type.RST || m.type === Type.ACK || (m.type === Type.NON && m.code >> 5 >= 2));
    }
    await stillServes(t, host);
  } finally {
    await host.close();
  }
});

test('truncated and oversized CoAP: a malformed CON gets RST, an oversized token post 4.13', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  try {
    // a CON header whose token length promises 8 bytes, then nothing: RST with its message ID
    const truncated = new Uint8Array([0x48, 0x01, 0xab, 0xcd, 1, 2]);
    const [rst] = await exchange(host.port, [truncated]);
    t.is(decodeCoap(rst).type, Type.RST);
    t.is(decodeCoap(rst).messageId, 0xabcd);
    // a token post far beyond what any token needs (node-coap will not even send it: raw UDP)
    const huge: CoapMessage = {
      type: Type.CON, code: 2, messageId: 0x7777, token: new Uint8Array([3]),
      options: [{ number: 11, value: new TextEncoder().encode('authz-info') }, { number: 12, value: new Uint8Array([19]) }],
      payload: new Uint8Array(1500),
    };
    const [tooLarge] = await exchange(host.port, [encodeCoap(huge)]);
    t.is(decodeCoap(tooLarge).code, 0x8d, '4.13');
    await stillServes(t, host);
  } finally {
    await host.close();
  }
});

test('a replayed OSCORE request is refused; the session goes on', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  try {
    const { client } = await connect(host, mint(world, { scope: 'lock:open' }));
    const prepared = client.prepare({ method: 'POST', path: '/lock', options: CBOR_FORMAT, payload: command('locked', false) });
    t.is(codeOf(await client.send(prepared)), '2.04');
    // The attacker resends the same protected request (a new message ID, so not a CoAP duplicate).
    const [reply] = await exchange(host.port, [replayOf(prepared)]);
    const answer = decodeCoap(reply);
    t.is(answer.code, 0x81, '4.01');
    t.is(Buffer.from(answer.payload).toString(), 'Replay detected');
    t.is(host.device.rs.audit.events().filter((e) => e.path === '/lock' && e.granted).length, 1, 'the replay never reached the lock');
    t.is(codeOf(await client.request({ method: 'GET', path: '/lock' })), '2.05');
    await client.close();
  } finally {
    await host.close();
  }
});

function authzPost(token: Uint8Array, mid: number, id1: number): Uint8Array {
  const body = codec.encode(new CborMap()
    .set(AceParam.AccessToken, token)
    .set(AceParam.Nonce1, provider.randomBytes(8))
    .set(AceParam.AceClientRecipientId, new Uint8Array([id1])));
  return encodeCoap({
    type: Type.CON, code: 2, messageId: mid, token: new Uint8Array([mid & 255]),
    options: [{ number: 11, value: new TextEncoder().encode('authz-info') }, { number: 12, value: new Uint8Array([19]) }],
    payload: body,
  });
}

test('a flood of /authz-info posts is throttled (4.29 + Max-Age) and legitimate phones still get in', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  try {
    const valid = mint(world, { scope: 'lock:open' });
    const flood: Uint8Array[] = [];
    for (let i = 0; i < 30; i++) flood.push(authzPost(valid.token, 0x2000 + i, i));
    const replies = (await exchange(host.port, flood, 800)).map((r) => decodeCoap(r));
    const throttled = replies.filter((m) => m.code === 0x9d);
    t.true(throttled.length >= 20, `${throttled.length} of 30 throttled`);
    t.true(throttled.every((m) => m.options.some((o) => o.number === 14)), 'each 4.29 says when to come back (Max-Age)');
    t.true(host.device.rs.tokens.size <= 8, 'the token store stays bounded');
    // a phone from another address (another port here) is not held back by the flooder
    const { client } = await connect(host, mint(world, { scope: 'lock:open' }));
    t.is(codeOf(await client.request({ method: 'GET', path: '/lock' })), '2.05');
    await client.close();
  } finally {
    await host.close();
  }
});

test('a full token store answers 5.03, never grows', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world, { ace: { maxTokens: 2, limiter: { now: () => performance.now(), peerBurst: 100, totalBurst: 100 } } });
  try {
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const issued = mint(world, { scope: 'lock:open' });
      codes.push((await postAuthzInfo({ host: '127.0.0.1', port: host.port, token: issued.token }, provider.randomBytes(8), new Uint8Array([i]))).code);
    }
    t.deepEqual(codes, ['2.01', '2.01', '5.03', '5.03']);
    t.is(host.device.rs.tokens.size, 2);
  } finally {
    await host.close();
  }
});
