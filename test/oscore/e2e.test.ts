/**
 * End to end over loopback UDP: the phone's OSCORE client (node-coap underneath) against a
 * device server (UdpServer + Endpoint + OscoreServer + Site). GET and POST, a replayed request
 * (same protected bytes from a raw socket), requests out of order inside the window, Echo after
 * a simulated server reboot, a separate response, an Observe stream and an inner Block2 transfer.
 */
import test from 'ava';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../../device/hosts/node/file-storage.ts';
import { SecurityContext } from '../../device/oscore/context.ts';
import { utf8Decode } from '../../device/codec/bytes.ts';
import type { Exchange } from '../../device/coap/interfaces.ts';
import { decode, encodeParts, getOption } from '../../device/coap/message.ts';
import { Method, Option, Type } from '../../device/coap/numbers.ts';
import { Site, makeResponse, simpleResource } from '../../device/coap/site.ts';
import { UdpServer } from '../../device/hosts/node/udp.ts';
import { Code } from '../../device/errors.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { OscoreServer } from '../../device/oscore/server.ts';
import { ContextTable } from '../../device/oscore/table.ts';
import { OscoreClient } from '../../sim/phone/oscore-client.ts';
import type { PlainResponse } from '../../sim/phone/oscore-client.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { inputs, pair } from './pair.ts';
import type { Pair } from './pair.ts';

const BIG = 'x'.repeat(700) + 'y'.repeat(700) + 'z'.repeat(123);

interface World {
  p: Pair;
  table: ContextTable;
  site: Site;
  server: UdpServer;
  client: OscoreClient;
  port: number;
  counter: { value: number };
  close(): Promise<void>;
}

async function world(provider: CryptoProvider): Promise<World> {
  const p = pair(provider);
  const table = new ContextTable();
  table.add(p.server);
  const counter = { value: 0 };
  const site = new Site({ blockSize: 256 });
  site.add('/hello', simpleResource({ get: () => makeResponse(Code.Content, 'hello') }));
  site.add('/echo', simpleResource({ post: (ex) => makeResponse(Code.Changed, ex.request.payload) }));
  site.add('/whoami', simpleResource({ get: (ex) => makeResponse(Code.Content, ex.security ? ex.security.contextId : 'nobody') }));
  site.add('/big', simpleResource({ get: () => makeResponse(Code.Content, BIG) }));
  site.add('/counter', simpleResource({ observable: true, get: () => makeResponse(Code.Content, String(counter.value)) }));
  site.add('/slow', simpleResource({
    get: (ex: Exchange) => {
      setTimeout(() => ex.respond(makeResponse(Code.Content, 'late')), 60);
      return null;
    },
  }));
  const publicSite = new Site();
  publicSite.add('/public', simpleResource({ get: () => makeResponse(Code.Content, 'anyone') }));
  const server = await UdpServer.listen(new OscoreServer(table, site, publicSite), { host: '127.0.0.1', port: 0 });
  const port = server.address().port;
  const client = new OscoreClient({ host: '127.0.0.1', port, context: p.client, timeoutMs: 5000 });
  return {
    p, table, site, server, client, port, counter,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

function text(r: PlainResponse): string {
  return utf8Decode(r.payload);
}

/** Sends one datagram from a fresh socket and returns the first datagram back. */
function raw(port: number, datagram: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no answer'));
    }, 3000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(new Uint8Array(msg));
    });
    socket.send(datagram, port, '127.0.0.1');
  });
}

for (const provider of PROVIDERS) {
  test.serial(`GET, POST, security info and a public request [${provider.name}]`, async (t) => {
    const w = await world(provider);
    try {
      const hello = await w.client.request({ method: 'GET', path: '/hello' });
      t.is(hello.code, Code.Content);
      t.is(text(hello), 'hello');
      const echo = await w.client.request({ method: 'POST', path: '/echo', payload: 'ping' });
      t.is(echo.code, Code.Changed);
      t.is(text(echo), 'ping');
      t.is(text(await w.client.request({ method: 'GET', path: '/whoami' })), w.p.server.name);
      t.is((await w.client.request({ method: 'GET', path: '/nothing' })).code, Code.NotFound);
      // a plain request never reaches the protected site
      const plain = decode(await raw(w.port, encodeParts(Type.CON, Method.GET, 1, new Uint8Array([5]),
        [{ number: Option.UriPath, value: new TextEncoder().encode('hello') }], new Uint8Array(0))));
      t.is(plain.code, Code.NotFound);
      // a phone whose context the device does not have gets the unprotected 4.01
      const stranger = new OscoreClient({
        host: '127.0.0.1', port: w.port, timeoutMs: 5000,
        context: pair(provider, 10, 16, new Uint8Array([0xee])).client,
        sendKidContext: true,
      });
      const err = await t.throwsAsync(stranger.request({ method: 'GET', path: '/hello' }), { any: true });
      t.is((err as unknown as { kind: string }).kind, 'oscore_context_not_found');
      t.regex((err as unknown as { message: string }).message, /Security context not found/);
      await stranger.close();
    } finally {
      await w.close();
    }
  });

  test.serial(`a replayed request is refused with an unprotected 4.01 [${provider.name}]`, async (t) => {
    const w = await world(provider);
    try {
      const prepared = w.client.prepare({ method: 'POST', path: '/echo', payload: 'open' });
      t.is(text(await w.client.send(prepared)), 'open');
      // the attacker resends the same protected message from its own socket
      const m = prepared.message;
      const answer = decode(await raw(w.port, encodeParts(Type.CON, m.code, 4242, new Uint8Array([9, 9]), m.options, m.payload)));
      t.is(answer.type, Type.ACK);
      t.is(answer.code, Code.Unauthorized);
      t.is(getOption(answer.options, Option.Oscore), null);
      t.is(utf8Decode(answer.payload), 'Replay detected');
      // and through the client too: the error surfaces as oscore_replay
      const err = await t.throwsAsync(w.client.send(prepared), { any: true });
      t.is((err as unknown as { kind: string }).kind, 'oscore_replay');
    } finally {
      await w.close();
    }
  });

  test.serial(`requests out of order inside the window are accepted [${provider.name}]`, async (t) => {
    const w = await world(provider);
    try {
      const a = w.client.prepare({ method: 'GET', path: '/hello' });
      const b = w.client.prepare({ method: 'GET', path: '/whoami' });
      t.true(b.binding.seq > a.binding.seq);
      t.is(text(await w.client.send(b)), w.p.server.name);
      t.is(text(await w.client.send(a)), 'hello');
    } finally {
      await w.close();
    }
  });

  test.serial(`Echo after a simulated server reboot [${provider.name}]`, async (t) => {
    const w = await world(provider);
    try {
      t.is(text(await w.client.request({ method: 'GET', path: '/hello' })), 'hello');
      const stale = w.client.prepare({ method: 'POST', path: '/echo', payload: 'old' });
      // power loss: the server rebuilds its context from storage; its replay window is gone
      w.table.add(w.p.rebootServer());
      t.false(w.p.server.recipient.window.initialised);
      const before = w.p.client.sender.sequence.next;
      const r = await w.client.request({ method: 'GET', path: '/hello' });
      t.is(text(r), 'hello');
      t.is(w.p.client.sender.sequence.next, before + 2); // the challenged request and its retry
      t.true(w.p.server.recipient.window.initialised);
      // a request protected before the Echo exchange is now refused
      const err = await t.throwsAsync(w.client.send(stale), { any: true });
      t.is((err as unknown as { kind: string }).kind, 'oscore_replay');
    } finally {
      await w.close();
    }
  });

  test.serial(`the phone's sequence numbers survive a phone restart (FileStorage) [${provider.name}]`, async (t) => {
    const w = await world(provider);
    const dir = mkdtempSync(join(tmpdir(), 'phone-'));
    try {
      const phoneContext = () => new SecurityContext(provider, inputs(10).client,
        { storage: new FileStorage(dir), storageKey: 'lock-context', sequenceStep: 4 });
      let phone = new OscoreClient({ host: '127.0.0.1', port: w.port, context: phoneContext(), timeoutMs: 5000 });
      for (let i = 0; i < 3; i++) t.is(text(await phone.request({ method: 'GET', path: '/hello' })), 'hello');
      await phone.close();
      // the phone app restarts: same storage, new context object; the server keeps its window
      phone = new OscoreClient({ host: '127.0.0.1', port: w.port, context: phoneContext(), timeoutMs: 5000 });
      for (let i = 0; i < 3; i++) t.is(text(await phone.request({ method: 'GET', path: '/hello' })), 'hello');
      await phone.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await w.close();
    }
  });

  test.serial(`a separate response (empty ACK, then a CON the client acknowledges) [${provider.name}]`, async (t) => {
    const w = await world(provider);
    try {
      const r = await w.client.request({ method: 'GET', path: '/slow' });
      t.is(r.code, Code.Content);
      t.is(text(r), 'late');
      // the endpoint got its ACK: nothing stays pending
      await new Promise((resolve) => setTimeout(resolve, 50));
      t.is(w.server.endpoint.pendingExchanges, 0);
    } finally {
      await w.close();
    }
  });

  test.serial(`an inner Block2 transfer [${provider.name}]`, async (t) => {
    const w = await world(provider);
    try {
      const r = await w.client.request({ method: 'GET', path: '/big' });
      t.is(r.code, Code.Content);
      t.is(text(r), BIG);
      t.is(getOption(r.options, Option.Block2), null);
    } finally {
      await w.close();
    }
  });

  test.serial(`an Observe stream (FETCH outside, GET inside), each notification verified [${provider.name}]`, async (t) => {
    const w = await world(provider);
    try {
      const seen: string[] = [];
      let wake: () => void = () => undefined;
      const observation = await w.client.observe({ method: 'GET', path: '/counter' }, (r) => {
        seen.push(text(r));
        wake();
      });
      t.is(text(observation.first), '0');
      t.not(getOption(observation.first.options, Option.Observe), null);
      for (let i = 1; i <= 3; i++) {
        const arrived = new Promise<void>((resolve) => (wake = resolve));
        w.counter.value = i;
        w.site.changed('/counter');
        await Promise.race([arrived, new Promise((resolve) => setTimeout(resolve, 2000))]);
      }
      t.deepEqual(seen, ['1', '2', '3']);
      const deregistered = await observation.cancel();
      t.is(deregistered?.code, Code.Content);
      await observation.ended;
      t.is(w.site.observerCountOf('/counter'), 0);
    } finally {
      await w.close();
    }
  });
}
