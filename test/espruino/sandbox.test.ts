/**
 * The Espruino bundle under Node in a sandbox without what Espruino lacks (./sandbox.ts),
 * provisioned with the symmetric profile, driven by the project's phone client over loopback
 * UDP: token accepted (MACed and osc forms), OSCORE context derived, door unlocked, a replayed
 * request refused, a request outside the scope refused, a signed token refused with 4.01.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { BUNDLE, buildEspruino } from '../../tools/espruino-build.ts';
import { keystorePayload, sealKeystore } from '../../device/runtime/keystore.ts';
import { decode as decodeCoap, encode as encodeCoap, setUriPath } from '../../device/coap/message.ts';
import { Type } from '../../device/coap/numbers.ts';
import { establish, postAuthzInfo } from '../../sim/phone/ace-client.ts';
import { OscoreClient } from '../../sim/phone/oscore-client.ts';
import { CBOR_FORMAT, codeOf, command, exchangeOnce, makeWorld, mint, provider, replayOf, stateOf } from '../ace/fixtures.ts';
import type { World } from '../ace/fixtures.ts';
import { makeSandbox } from './sandbox.ts';
import { KEYSTORE_FILE } from '../../device/hosts/espruino/storage.ts';

test.before(async () => {
  if (!existsSync(BUNDLE)) await buildEspruino();
});

async function boot(world: World) {
  const sb = makeSandbox(BUNDLE);
  const file = sealKeystore(keystorePayload(world.keystore), (d) => provider.sha256(d));
  sb.flash.write(KEYSTORE_FILE, Buffer.from(file).toString('latin1'));
  sb.run();
  const port = await sb.port;
  return { sb, port };
}

for (const form of ['maced', 'osc'] as const) {
  test.serial(`the bundle in a sandbox: ${form} token, OSCORE, unlock, replay and scope refused`, async (t) => {
    const world = makeWorld('lock', true);
    const { sb, port } = await boot(world);
    try {
      const issued = mint(world, { form, scope: 'lock:open' });
      const session = await establish({ host: '127.0.0.1', port, token: issued.token, timeoutMs: 5000 }, issued.material, provider);
      t.truthy(session.context);
      const client = new OscoreClient({ host: '127.0.0.1', port, context: session.context, timeoutMs: 5000 });
      const prepared = client.prepare({ method: 'POST', path: '/lock', options: CBOR_FORMAT, payload: command('locked', false) });
      const opened = await client.send(prepared);
      t.is(codeOf(opened), '2.04');
      t.is(stateOf(opened, 'locked'), false);
      t.false(sb.global.AceDevice.device().lock.locked);
      // the same protected request again, under a new message ID: refused as a replay
      const reply = await exchangeOnce(port, replayOf(prepared));
      t.truthy(reply);
      t.is(decodeCoap(reply!).code, 0x81, '4.01 replay');
      // outside the scope
      t.is(codeOf(await client.request({ method: 'POST', path: '/alarm', options: CBOR_FORMAT, payload: command('armed', false) })), '4.03');
      t.is(codeOf(await client.request({ method: 'GET', path: '/lock' })), '2.05');
      await client.close();
      // every flash file name fits Espruino's 28 characters
      t.true(Object.keys(sb.flash.files).every((n) => n.length <= 28));
    } finally {
      sb.close();
    }
  });
}

test.serial('the bundle refuses a signed (EdDSA) token with 4.01 unsupported_algorithm, promptly', async (t) => {
  const world = makeWorld('lock', true);
  const { sb, port } = await boot(world);
  try {
    const issued = mint(world, { form: 'signed', scope: 'lock:open' });
    const started = Date.now();
    const reply = await postAuthzInfo({ host: '127.0.0.1', port, token: issued.token, timeoutMs: 5000 }, new Uint8Array(8), new Uint8Array([1]));
    t.is(reply.code, '4.01');
    t.true(Date.now() - started < 5000);
    t.true(Buffer.from(reply.raw).toString('latin1').includes('not supported'));
    t.log('answer', Buffer.from(reply.raw).toString('hex'), sb.logs.join(' | '));
  } finally {
    sb.close();
  }
});

test.serial('E events: init after a boot from flash keeps the running device; kill (save, reset) stops it; init starts it again', async (t) => {
  const world = makeWorld('lock', true);
  const { sb } = await boot(world);
  try {
    const first = sb.global.AceDevice.device();
    t.truthy(first);
    sb.emit('init'); // .bootcde was loaded, then the board fires init
    t.is(sb.global.AceDevice.device(), first);
    sb.emit('kill'); // save() or reset(): flushed and closed, nothing stale in a saved image
    t.is(sb.global.AceDevice.device(), null);
    sb.emit('init'); // power-up from the saved image
    t.truthy(sb.global.AceDevice.device());
    t.not(sb.global.AceDevice.device(), first);
  } finally {
    sb.close();
  }
});

test.serial('the board serves no /anchors (updates are signed; the bundle leaves rotation out): answered as a missing path, and not in /.well-known/core', async (t) => {
  const world = makeWorld('lock', true);
  const { sb, port } = await boot(world);
  try {
    const post = (path: string, messageId: number) => encodeCoap({ type: Type.CON, code: 0x02, messageId, token: new Uint8Array([1]), options: setUriPath([], path), payload: new Uint8Array([0xa0]) });
    // answered as any path the device does not have: the public gate's 4.01, not the update's own checks
    const anchors = decodeCoap((await exchangeOnce(port, post('/anchors', 7)))!);
    const nowhere = decodeCoap((await exchangeOnce(port, post('/nowhere', 9)))!);
    t.is(anchors.code, nowhere.code);
    t.deepEqual(anchors.payload, nowhere.payload);
    const get = encodeCoap({ type: Type.CON, code: 0x01, messageId: 8, token: new Uint8Array([2]), options: setUriPath([], '/.well-known/core'), payload: new Uint8Array(0) });
    const links = Buffer.from(decodeCoap((await exchangeOnce(port, get))!).payload).toString('latin1');
    t.true(links.includes('</authz-info>'), links);
    t.false(links.includes('anchors'), links);
  } finally {
    sb.close();
  }
});
