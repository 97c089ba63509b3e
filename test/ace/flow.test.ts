/**
 * The device runtime end to end over loopback UDP: a phone posts a token to /authz-info,
 * derives the OSCORE context (RFC 9203), unlocks the door, and is refused outside its scope.
 */
import test from 'ava';
import { CborMap } from '../../device/codec/cbor.ts';
import { AceParam, CreationHint } from '../../device/ace/numbers.ts';
import { postAuthzInfo } from '../../sim/phone/ace-client.ts';
import { CBOR_FORMAT, codec, codeOf, command, connect, makeWorld, mint, startDevice, stateOf } from './fixtures.ts';
import { request as coapRequest } from 'coap';
import type { IncomingMessage } from 'coap';

function plainGet(port: number, path: string): Promise<{ code: string; payload: Uint8Array; format: unknown }> {
  return new Promise((resolve, reject) => {
    const req = coapRequest({ hostname: '127.0.0.1', port, pathname: path, method: 'GET' });
    req.on('response', (res: IncomingMessage) => resolve({ code: res.code, payload: new Uint8Array(res.payload), format: res.headers['Content-Format'] }));
    req.on('error', reject);
    req.end();
  });
}

test('a signed token (cnf encrypted to the device key) opens the door and nothing else', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  try {
    const issued = mint(world, { scope: 'lock:open' });
    const { client } = await connect(host, issued);
    const opened = await client.request({ method: 'POST', path: '/lock', options: CBOR_FORMAT, payload: command('locked', false) });
    t.is(codeOf(opened), '2.04');
    t.is(stateOf(opened, 'locked'), false);
    t.false(host.device.lock!.locked);
    const state = await client.request({ method: 'GET', path: '/lock' });
    t.is(codeOf(state), '2.05');
    // Outside the scope: another resource is 4.03, another method 4.05 (RFC 9200 §5.10.2).
    t.is(codeOf(await client.request({ method: 'POST', path: '/alarm', options: CBOR_FORMAT, payload: command('armed', false) })), '4.03');
    t.is(codeOf(await client.request({ method: 'PUT', path: '/lock', options: CBOR_FORMAT, payload: command('locked', true) })), '4.05');
    t.true(host.device.alarm!.armed);
    const audit = host.device.rs.audit.events();
    t.true(audit.some((e) => e.path === '/lock' && e.granted));
    t.true(audit.some((e) => e.path === '/alarm' && !e.granted && e.reason === 'forbidden'));
    await client.close();
  } finally {
    await host.close();
  }
});

test('the RFC 9203 form (encrypted token with osc) and the MACed form are accepted too', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  try {
    for (const form of ['osc', 'maced'] as const) {
      const issued = mint(world, { form, scope: 'lock:open alarm:disarm', salt: form === 'osc' ? new Uint8Array([1, 2, 3, 4]) : undefined });
      const { client } = await connect(host, issued);
      const r = await client.request({ method: 'POST', path: '/alarm', options: CBOR_FORMAT, payload: command('armed', false) });
      t.is(codeOf(r), '2.04', form);
      await client.close();
    }
    const nested = mint(world, { form: 'osc', nested: true, scope: 'lock:read' });
    const { client } = await connect(host, nested);
    t.is(codeOf(await client.request({ method: 'GET', path: '/lock' })), '2.05');
    await client.close();
  } finally {
    await host.close();
  }
});

test('unauthorized requests get 4.01 with AS Request Creation Hints; a clockless device adds a cnonce', async (t) => {
  const withClock = await startDevice(makeWorld('lock', true));
  const clockless = await startDevice(makeWorld('sensor', false));
  try {
    const a = await plainGet(withClock.port, '/lock');
    t.is(a.code, '4.01');
    const hints = codec.decode(a.payload) as CborMap;
    t.is(hints.get(CreationHint.AS), 'coap://as.example');
    t.is(hints.get(CreationHint.Audience), 'lock-1');
    t.false(hints.has(CreationHint.Cnonce));
    const b = await plainGet(clockless.port, '/vitals');
    t.is(b.code, '4.01');
    const h2 = codec.decode(b.payload) as CborMap;
    t.true(h2.get(CreationHint.Cnonce) instanceof Uint8Array);
    // discovery stays public
    const wk = await plainGet(withClock.port, '/.well-known/core');
    t.is(wk.code, '2.05');
    t.regex(Buffer.from(wk.payload).toString(), /<\/lock>/);
  } finally {
    await withClock.close();
    await clockless.close();
  }
});

test('a clockless sensor takes an exi token only with a cnonce it issued, and serves vitals read-only', async (t) => {
  const world = makeWorld('sensor', false);
  const host = await startDevice(world);
  try {
    const hints = codec.decode((await plainGet(host.port, '/vitals')).payload) as CborMap;
    const cnonce = hints.get(CreationHint.Cnonce) as Uint8Array;
    const forged = mint(world, { scope: 'vitals:read', cnonce: new Uint8Array(8) });
    const refused = await postAuthzInfo({ host: '127.0.0.1', port: host.port, token: forged.token }, new Uint8Array(8), new Uint8Array([1]));
    t.is(refused.code, '4.01');
    const missing = mint(world, { scope: 'vitals:read' });
    t.is((await postAuthzInfo({ host: '127.0.0.1', port: host.port, token: missing.token }, new Uint8Array(8), new Uint8Array([1]))).code, '4.01');
    const issued = mint(world, { scope: 'vitals:read', cnonce });
    const { client } = await connect(host, issued);
    const sensor = host.device.vitals!;
    for (let i = 0; i < 60; i++) sensor.add({ heartRate: 60 + i, spo2: 97, ekg: [0, 0.1, 0.2] });
    const vitals = await client.request({ method: 'GET', path: '/vitals' });
    t.is(codeOf(vitals), '2.05');
    const history = await client.request({ method: 'GET', path: '/vitals/history' });
    t.is(codeOf(history), '2.05');
    t.true(history.payload.length > 1024, 'history needs Block2');
    t.is(codeOf(await client.request({ method: 'POST', path: '/vitals', payload: 'x' })), '4.05');
    await client.close();
  } finally {
    await host.close();
  }
});

test('/authz-info refusals carry the ACE error payload', async (t) => {
  const world = makeWorld('lock', true);
  const other = makeWorld('lock', true, 'lock-2');
  const host = await startDevice(world);
  const post = (token: Uint8Array, bare = false) =>
    postAuthzInfo({ host: '127.0.0.1', port: host.port, token, bare }, new Uint8Array(8).fill(7), new Uint8Array([9]));
  try {
    // another audience: 4.03 (RFC 9200 §5.10.1.1)
    const foreign = mint(world, { scope: 'lock:open' });
    const wrongAud = mint({ ...world, entry: { ...world.entry, audience: 'lock-2' } }, { scope: 'lock:open' });
    t.is((await post(wrongAud.token)).code, '4.03');
    // expired: 4.01
    const expired = mint(world, { scope: 'lock:open', now: Date.now() / 1000 - 7200 });
    const r = await post(expired.token);
    t.is(r.code, '4.01');
    t.is(r.body!.get(AceParam.Error), 'invalid_token');
    // tampered signature: 4.01
    const tampered = foreign.token.slice();
    tampered[tampered.length - 1] ^= 1;
    t.is((await post(tampered)).code, '4.01');
    // signed by an AS the device does not trust: 4.01
    t.is((await post(mint({ ...other, entry: { ...other.entry, audience: 'lock-1' } }, { scope: 'lock:open' }).token)).code, '4.01');
    // a cnf the device cannot decrypt (encrypted to another device's key): 4.00 unsupported_pop_key
    const undecryptable = mint({ ...world, entry: { ...world.entry, publicKey: other.entry.publicKey } }, { scope: 'lock:open' });
    const u = await post(undecryptable.token);
    t.is(u.code, '4.00');
    t.is(u.body!.get(AceParam.Error), 7);
    // a scope the device does not recognize: 4.00 invalid_scope
    const s = await post(mint(world, { scope: 'garage:open' }).token);
    t.is(s.code, '4.00');
    t.is(s.body!.get(AceParam.Error), 6);
    // no nonce1 / ace_client_recipientid: 4.00 invalid_request
    const bare = await post(foreign.token, true);
    t.is(bare.code, '4.00');
    t.is(bare.body!.get(AceParam.Error), 1);
    // garbage payload
    t.is((await post(new Uint8Array([0xff, 0x00]))).code, '4.00');
    t.true(host.device.rs.audit.events().filter((e) => !e.granted).length >= 8);
  } finally {
    await host.close();
  }
});

test('re-posting a token makes a new context and retires the old one', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  try {
    const issued = mint(world, { scope: 'lock:open' });
    const first = await connect(host, issued);
    t.is(codeOf(await first.client.request({ method: 'GET', path: '/lock' })), '2.05');
    const second = await connect(host, issued);
    t.is(codeOf(await second.client.request({ method: 'GET', path: '/lock' })), '2.05');
    await t.throwsAsync(first.client.request({ method: 'GET', path: '/lock' }), { any: true });
    t.is(host.device.rs.tokens.size, 1);
    await first.client.close();
    await second.client.close();
  } finally {
    await host.close();
  }
});

test('a single-use token unlocks once, then its key is discarded', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  try {
    const { client } = await connect(host, mint(world, { scope: 'lock:open-once' }));
    t.is(codeOf(await client.request({ method: 'POST', path: '/lock', options: CBOR_FORMAT, payload: command('locked', false) })), '2.04');
    await t.throwsAsync(client.request({ method: 'POST', path: '/lock', options: CBOR_FORMAT, payload: command('locked', false) }), { any: true });
    await client.close();
  } finally {
    await host.close();
  }
});

test('tokens survive a reboot; the phone goes on after an Echo round trip', async (t) => {
  const world = makeWorld('lock', true);
  let host = await startDevice(world);
  const { client } = await connect(host, mint(world, { scope: 'lock:open' }));
  t.is(codeOf(await client.request({ method: 'GET', path: '/lock' })), '2.05');
  const port = host.port;
  await host.close();
  host = await (await import('../../device/hosts/node/device-host.ts')).DeviceHost.start({
    keystore: world.keystore, storage: world.storage, port, provider: (await import('./fixtures.ts')).provider, codec,
  });
  try {
    t.is(host.device.rs.tokens.size, 1);
    t.is(codeOf(await client.request({ method: 'GET', path: '/lock' })), '2.05');
  } finally {
    await client.close();
    await host.close();
  }
});

test('an update of access rights, posted under the session, widens the scope and keeps the context (RFC 9203 §4.1)', async (t) => {
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  try {
    const popKid = new Uint8Array([0x70, 0x6f, 0x70]);
    const first = mint(world, { form: 'osc', scope: 'lock:open', popKid });
    const { client } = await connect(host, first);
    const disarm = { method: 'POST' as const, path: '/alarm', options: CBOR_FORMAT, payload: command('armed', false) };
    t.is(codeOf(await client.request(disarm)), '4.03');
    const wider = mint(world, { form: 'osc', scope: 'lock:open alarm:disarm', popKid, popKey: first.material.masterSecret });
    const body = codec.encode(new CborMap().set(AceParam.AccessToken, wider.token));
    const format = [{ number: 12, value: new Uint8Array([19]) }];
    t.is(codeOf(await client.request({ method: 'POST', path: '/authz-info', options: format, payload: body })), '2.01');
    t.is(codeOf(await client.request(disarm)), '2.04');
    // a token naming other input material is refused under this context
    const other = mint(world, { form: 'osc', scope: 'lock:open alarm:disarm', popKid: new Uint8Array([1]) });
    const otherBody = codec.encode(new CborMap().set(AceParam.AccessToken, other.token));
    t.is(codeOf(await client.request({ method: 'POST', path: '/authz-info', options: format, payload: otherBody })), '4.01');
    await client.close();
  } finally {
    await host.close();
  }
});
