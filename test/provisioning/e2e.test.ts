/**
 * The path a new user follows, over loopback: `as init` -> `device` -> the device host
 * starts from that directory -> `token` -> the phone posts it and unlocks over OSCORE. Then
 * the AS rolls its key: a token signed by the new key is refused until the anchor update is
 * posted to /anchors, accepted after (and after a reboot), and the retired key stops working.
 */
import test from 'ava';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { request as coapRequest } from 'coap';
import type { IncomingMessage } from 'coap';
import { CborMap, portableCbor } from '../../device/codec/cbor.ts';
import { nodeProvider } from '../../device/crypto/node/provider.ts';
import { DeviceHost } from '../../device/hosts/node/device-host.ts';
import { CreationHint } from '../../device/ace/numbers.ts';
import { establish, postAuthzInfo } from '../../sim/phone/ace-client.ts';
import type { ClientMaterial } from '../../sim/as/issuer.ts';
import { OscoreClient } from '../../sim/phone/oscore-client.ts';
import { ContentFormat, Option } from '../../device/coap/numbers.ts';
import { encodeUint } from '../../device/coap/message.ts';
import { cli, tempDir } from './helpers.ts';

const provider = nodeProvider();
const codec = portableCbor;
const CBOR_FORMAT = [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.Cbor) }];

interface TokenJson {
  token: { hex: string };
  client: { masterSecret: string; salt: string | null; idContext: string | null; aeadAlg: number; id: string };
}

const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

function material(j: TokenJson): ClientMaterial {
  const c = j.client;
  return { masterSecret: bytes(c.masterSecret), salt: c.salt === null ? null : bytes(c.salt), idContext: c.idContext === null ? null : bytes(c.idContext), aeadAlg: c.aeadAlg, id: bytes(c.id) };
}

async function token(args: string[]): Promise<TokenJson> {
  const r = await cli(['token', ...args]);
  if (r.code !== 0) throw new Error(r.err);
  return JSON.parse(r.out);
}

function coap(port: number, method: 'GET' | 'POST', path: string, payload?: Uint8Array, format?: number): Promise<{ code: string; payload: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const req = coapRequest({ hostname: '127.0.0.1', port, pathname: path, method, confirmable: true });
    if (format !== undefined) req.setOption('12', Buffer.from([format]));
    const timer = setTimeout(() => reject(new Error('no answer')), 10000);
    req.on('response', (res: IncomingMessage) => { clearTimeout(timer); resolve({ code: res.code, payload: new Uint8Array(res.payload) }); });
    req.on('error', (e: Error) => { clearTimeout(timer); reject(e); });
    req.end(payload ? Buffer.from(payload) : undefined);
  });
}

async function unlock(host: DeviceHost, j: TokenJson): Promise<string> {
  const session = await establish({ host: '127.0.0.1', port: host.port, token: bytes(j.token.hex) }, material(j), provider);
  const client = new OscoreClient({ host: '127.0.0.1', port: host.port, context: session.context, timeoutMs: 5000 });
  try {
    const r = await client.request({ method: 'POST', path: '/lock', options: CBOR_FORMAT, payload: codec.encode(new CborMap().set('locked', false)) });
    return (r.code >> 5) + '.' + String(r.code & 31).padStart(2, '0');
  } finally {
    await client.close();
  }
}

async function posted(host: DeviceHost, j: TokenJson): Promise<string> {
  return (await postAuthzInfo({ host: '127.0.0.1', port: host.port, token: bytes(j.token.hex) }, new Uint8Array(8), new Uint8Array([9]))).code;
}

test('as init -> device -> device host -> token -> the phone unlocks over OSCORE', async (t) => {
  const root = tempDir(t);
  const as = join(root, 'as');
  const dev = join(root, 'FRONT-DOOR');
  t.is((await cli(['as', 'init', '--out', as, '--uri', 'coap://as.example'])).code, 0);
  t.is((await cli(['device', '--as', as, '--id', 'FRONT-DOOR', '--kind', 'lock', '--out', dev])).code, 0);
  const host = await DeviceHost.fromDirectory(dev, { port: 0 });
  try {
    for (const form of ['signed', 'osc', 'maced']) {
      const j = await token(['--as', as, '--record', join(dev, 'record.cbor'), '--scope', 'lock:open', '--form', form]);
      t.is(await unlock(host, j), '2.04', form);
      t.false(host.device.lock!.locked);
      host.device.lock!.command(true);
    }
    // the token's audience is this device: another device refuses it
    const hints = codec.decode((await coap(host.port, 'GET', '/lock')).payload) as CborMap;
    t.is(hints.get(CreationHint.AS), 'coap://as.example');
    t.is(hints.get(CreationHint.Audience), 'FRONT-DOOR');
  } finally {
    await host.close();
  }
});

test('a clockless sensor: the cnonce from its creation hints goes into the token (exi)', async (t) => {
  const root = tempDir(t);
  const as = join(root, 'as');
  const dev = join(root, 'WARD-7');
  t.is((await cli(['as', 'init', '--out', as, '--alg', 'ES256'])).code, 0);
  t.is((await cli(['device', '--as', as, '--id', 'WARD-7', '--kind', 'sensor', '--curve', 'P-256', '--out', dev])).code, 0);
  const host = await DeviceHost.fromDirectory(dev, { port: 0 });
  try {
    const hints = codec.decode((await coap(host.port, 'GET', '/vitals')).payload) as CborMap;
    const cnonce = Buffer.from(hints.get(CreationHint.Cnonce) as Uint8Array).toString('hex');
    const j = await token(['--as', as, '--record', dev, '--scope', 'vitals:read', '--cnonce', cnonce, '--lifetime', '600']);
    t.is((j as unknown as { exi: number }).exi, 600);
    const session = await establish({ host: '127.0.0.1', port: host.port, token: bytes(j.token.hex) }, material(j), provider);
    const client = new OscoreClient({ host: '127.0.0.1', port: host.port, context: session.context, timeoutMs: 5000 });
    const r = await client.request({ method: 'GET', path: '/vitals' });
    t.is(r.code, 0x45);
    await client.close();
  } finally {
    await host.close();
  }
});

test('rotate: the device learns the new key from the anchor update, keeps it across a reboot, and drops the retired one', async (t) => {
  const root = tempDir(t);
  const as = join(root, 'as');
  const dev = join(root, 'GATE');
  t.is((await cli(['as', 'init', '--out', as])).code, 0);
  t.is((await cli(['device', '--as', as, '--id', 'GATE', '--kind', 'lock', '--out', dev])).code, 0);
  const oldToken = await token(['--as', as, '--record', dev, '--scope', 'lock:open']);
  const r = await cli(['rotate', '--as', as, '--alg', 'ES256']);
  t.is(r.code, 0, r.err);
  const rotation = JSON.parse(r.out);
  t.is(rotation.seq, 1);
  t.is(rotation.added.alg, 'ES256');
  t.deepEqual(rotation.retired, []);
  const update = new Uint8Array(readFileSync(rotation.file));
  t.is(Buffer.from(update).toString('hex'), rotation.hex);
  const verified = await cli(['inspect', rotation.file, '--keystore', dev]);
  t.is(verified.code, 0, verified.err);
  t.regex(verified.out, /anchor update: COSE_Sign1, EdDSA, signed by "as-[0-9a-f]+"/);
  t.regex(verified.out, /signature: verified with AS key/);

  let host = await DeviceHost.fromDirectory(dev, { port: 0 });
  try {
    const newToken = await token(['--as', as, '--record', dev, '--scope', 'lock:open']);
    t.is((newToken as unknown as { signedBy: string }).signedBy, rotation.added.kid);
    t.is(await posted(host, newToken), '4.01', 'the device does not know the new key yet');
    const state = await coap(host.port, 'GET', '/anchors');
    t.is((codec.decode(state.payload) as CborMap).get('seq'), 0);
    const answer = await coap(host.port, 'POST', '/anchors', update, 18);
    t.is(answer.code, '2.04');
    t.is((codec.decode(answer.payload) as CborMap).get('seq'), 1);
    t.is((await coap(host.port, 'POST', '/anchors', update, 18)).code, '2.04', 'the same update again is harmless');
    t.is(await unlock(host, newToken), '2.04');
    t.is(await unlock(host, oldToken), '2.04', 'the old key stays trusted');
    // a forged update (a byte of the signature flipped) is refused
    const forged = update.slice();
    forged[forged.length - 1] ^= 1;
    t.is((await coap(host.port, 'POST', '/anchors', forged, 18)).code, '4.01');
    t.is((await coap(host.port, 'POST', '/anchors', update, 0)).code, '4.15');
  } finally {
    await host.close();
  }

  // after a reboot the learned key is still there; then the old key is retired
  const retire = await cli(['rotate', '--as', as, '--retire']);
  t.is(retire.code, 0, retire.err);
  const retirement = JSON.parse(retire.out);
  t.is(retirement.seq, 2);
  t.is(retirement.signedBy, rotation.added.kid);
  host = await DeviceHost.fromDirectory(dev, { port: 0 });
  try {
    const again = await token(['--as', as, '--record', dev, '--scope', 'lock:open']);
    t.is(await unlock(host, again), '2.04', 'learned anchor survived the reboot');
    t.is((await coap(host.port, 'POST', '/anchors', new Uint8Array(readFileSync(retirement.file)), 18)).code, '2.04');
    t.is(await posted(host, oldToken), '4.01', 'the retired key is no longer trusted');
    t.is((await coap(host.port, 'POST', '/anchors', update, 18)).code, '4.01', 'an old update cannot bring it back');
    const audit = host.device.rs.audit.events().filter((e) => e.path === '/anchors');
    t.true(audit.some((e) => e.granted && /seq 2/.test(e.reason)));
    t.true(audit.some((e) => !e.granted && /anchor update refused: unknown_kid/.test(e.reason)));
  } finally {
    await host.close();
  }

  // a device provisioned now gets the current anchors and their seq
  const fresh = join(root, 'GATE-2');
  t.is((await cli(['device', '--as', as, '--id', 'GATE-2', '--kind', 'lock', '--out', fresh])).code, 0);
  const shown = await cli(['inspect', join(fresh, 'keystore.cbor'), '--as', as]);
  t.regex(shown.out, /1 trust anchor\(s\), anchor seq 2/);
  t.regex(shown.out, /trust anchors: the AS's current ones/);
});

test('rotate: --replace retires every other key at once; the AS refuses what devices could not hold', async (t) => {
  const root = tempDir(t);
  const as = join(root, 'as');
  t.is((await cli(['as', 'init', '--out', as])).code, 0);
  const none = await cli(['rotate', '--as', as, '--retire']);
  t.is(none.code, 2);
  t.regex(none.err, /no key older than the current one to retire/);
  for (let i = 0; i < 3; i++) t.is((await cli(['rotate', '--as', as])).code, 0);
  const full = await cli(['rotate', '--as', as]);
  t.is(full.code, 2);
  t.regex(full.err, /as many as a device holds: retire old ones first/);
  const replaced = JSON.parse((await cli(['rotate', '--as', as, '--replace'])).out);
  t.is(replaced.seq, 4);
  t.is(replaced.retired.length, 4);
  const pending = JSON.parse((await cli(['rotate', '--as', as, '--not-before', '3600'])).out);
  t.true(pending.added.notBefore > Date.now() / 1000 + 3500);
  t.is((await cli(['rotate', '--as', as, '--retire', '--replace'])).code, 2);
  t.is((await cli(['rotate', '--as', as, '--replace', '--not-before', '5'])).code, 2);
  t.is((await cli(['rotate', '--as', as, '--alg', 'RSA'])).code, 2);
});
