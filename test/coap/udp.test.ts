/**
 * End to end over loopback UDP: the device's Site on the Node host, with third-party
 * clients: node-coap (GET, Block2, Observe, separate response) and libcoap's
 * coap-client-notls (Debian package libcoap3-bin; those tests skip when it is absent).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import coap from 'coap';
import type { Exchange } from '../../device/coap/interfaces.ts';
import { decode, emptyMessage } from '../../device/coap/message.ts';
import { ContentFormat, Type } from '../../device/coap/numbers.ts';
import { Site, makeResponse, simpleResource } from '../../device/coap/site.ts';
import { UdpServer, parsePeer, peerOf } from '../../device/hosts/node/udp.ts';
import { request } from './helpers.ts';

const HOST = '127.0.0.1';
const bigText = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');

interface Fixture {
  server: UdpServer;
  site: Site;
  port: number;
  agent: coap.Agent;
  state: { value: number };
}

async function start(): Promise<Fixture> {
  const site = new Site();
  const state = { value: 0 };
  site.add('/hello', simpleResource({ linkAttributes: ';rt="greeting";ct=0', get: () => makeResponse(0x45, 'world', ContentFormat.TextPlain) }));
  site.add('/big', simpleResource({ linkAttributes: ';sz=3000', get: () => makeResponse(0x45, bigText, ContentFormat.TextPlain) }));
  site.add('/counter', simpleResource({ linkAttributes: ';obs', observable: true, get: () => makeResponse(0x45, String(state.value)) }));
  site.add(
    '/slow',
    simpleResource({
      get: (ex: Exchange) => {
        setTimeout(() => ex.respond(makeResponse(0x45, 'eventually')), 30);
        return null;
      },
    }),
  );
  const server = await UdpServer.listen(site, { host: HOST, port: 0 });
  const agent = new coap.Agent({ type: 'udp4' });
  return { server, site, port: server.address().port, agent, state };
}

async function stop(f: Fixture): Promise<void> {
  f.agent.close();
  await f.server.close();
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out: ' + what)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function get(f: Fixture, path: string, extra?: Partial<coap.CoapRequestParams>): Promise<coap.IncomingMessage> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = coap.request(Object.assign({ hostname: HOST, port: f.port, pathname: path, agent: f.agent }, extra));
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    }),
    5000,
    'GET ' + path,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

test('node-coap: GET, 4.04, and Block2 reassembly of 3000 bytes', async (t) => {
  const f = await start();
  try {
    const r = await get(f, '/hello');
    t.is(r.code, '2.05');
    t.is(r.payload.toString(), 'world');
    t.is((await get(f, '/missing')).code, '4.04');
    const big = await get(f, '/big');
    t.is(big.code, '2.05');
    t.is(big.payload.toString(), bigText);
    const nonConfirmable = await get(f, '/hello', { confirmable: false });
    t.is(nonConfirmable.payload.toString(), 'world');
  } finally {
    await stop(f);
  }
});

test('node-coap: separate response', async (t) => {
  const f = await start();
  try {
    const r = await get(f, '/slow');
    t.is(r.code, '2.05');
    t.is(r.payload.toString(), 'eventually');
  } finally {
    await stop(f);
  }
});

test('node-coap: Observe stream of notifications; after close() it answers the next one with RST', async (t) => {
  const f = await start();
  // an agent on our own socket stays open after its last request, so it can send the RST
  const socket = dgram.createSocket('udp4');
  f.agent.close();
  f.agent = new coap.Agent({ socket: socket });
  try {
    const res = await get(f, '/counter', { observe: true });
    const values: string[] = [];
    const got = (n: number) =>
      withTimeout(
        new Promise<void>((resolve) => {
          const check = () => (values.length >= n ? resolve() : undefined);
          res.on('data', (chunk: Buffer) => {
            values.push(chunk.toString());
            check();
          });
          check();
        }),
        5000,
        n + ' notifications',
      );
    const all = got(4);
    for (let v = 1; v <= 3; v++) {
      await sleep(20);
      f.state.value = v;
      f.site.changed('/counter');
    }
    await all;
    t.deepEqual(values, ['0', '1', '2', '3']);
    t.is(f.site.observerCountOf('/counter'), 1);
    (res as unknown as { close(): void }).close();
    f.site.changed('/counter');
    for (let i = 0; i < 50 && f.site.observerCountOf('/counter') > 0; i++) await sleep(10);
    t.is(f.site.observerCountOf('/counter'), 0);
    t.is(f.server.endpoint.pendingExchanges, 0);
  } finally {
    await stop(f);
    socket.close();
  }
});

test('garbage datagrams never crash the host; a malformed CON gets RST', async (t) => {
  const f = await start();
  const sock = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => sock.bind(0, HOST, () => r()));
    const replies: Buffer[] = [];
    sock.on('message', (m) => replies.push(m));
    const send = (b: Uint8Array) => new Promise<void>((r) => sock.send(b, f.port, HOST, () => r()));
    for (let i = 0; i < 300; i++) {
      const junk = new Uint8Array(1 + ((i * 37) % 200));
      for (let k = 0; k < junk.length; k++) junk[k] = (i * 131 + k * 17) & 0xff;
      await send(junk);
      if (i % 10 === 9) await sleep(2); // client and server share this event loop: let the server drain
    }
    await send(new Uint8Array([0x49, 1, 0xab, 0xcd])); // CON with token length 9
    await send(new Uint8Array([0x40, 0, 0x77, 0x77])); // CoAP ping
    await send(request(Type.CON, 1, 0x4242, [5], [{ number: 11, value: Buffer.from('hello') }]));
    for (let i = 0; i < 100 && !replies.some((m) => m[1] === 0x45); i++) await sleep(10);
    const decoded = replies.map((m) => decode(m));
    t.true(replies.some((m) => Buffer.compare(m, emptyMessage(Type.RST, 0xabcd)) === 0));
    t.true(replies.some((m) => Buffer.compare(m, emptyMessage(Type.RST, 0x7777)) === 0));
    const ok = decoded.find((m) => m.messageId === 0x4242);
    t.truthy(ok);
    t.is(Buffer.from(ok!.payload).toString(), 'world');
    t.is((await get(f, '/hello')).payload.toString(), 'world');
  } finally {
    sock.close();
    await stop(f);
  }
});

test('IPv6 loopback, when the machine has it', async (t) => {
  const site = new Site();
  site.add('/v6', simpleResource({ get: () => makeResponse(0x45, 'six') }));
  let server: UdpServer;
  try {
    server = await UdpServer.listen(site, { host: '::1', port: 0 });
  } catch (e) {
    t.log('no IPv6 loopback here: ' + (e as Error).message);
    t.pass();
    return;
  }
  const agent = new coap.Agent({ type: 'udp6' });
  try {
    const r = await withTimeout(
      new Promise<coap.IncomingMessage>((resolve, reject) => {
        const req = coap.request({ hostname: '::1', port: server.address().port, pathname: '/v6', agent });
        req.on('response', resolve);
        req.on('error', reject);
        req.end();
      }),
      5000,
      'GET over IPv6',
    );
    t.is(r.payload.toString(), 'six');
  } finally {
    agent.close();
    await server.close();
  }
});

test('peer strings', (t) => {
  t.is(peerOf('127.0.0.1', 5683), '127.0.0.1:5683');
  t.is(peerOf('::1', 5683), '[::1]:5683');
  t.deepEqual(parsePeer('[::1]:5683'), { address: '::1', port: 5683 });
  t.deepEqual(parsePeer('10.1.2.3:9'), { address: '10.1.2.3', port: 9 });
  t.is(parsePeer('nonsense'), null);
  t.is(parsePeer('host:0'), null);
  t.is(parsePeer('[::1:5683'), null);
});

test('close() resolves once the socket is closed and is idempotent', async (t) => {
  const f = await start();
  f.agent.close();
  await f.server.close();
  await f.server.close();
  t.pass();
});

// ---------------------------------------------------------------- libcoap

const COAP_CLIENT = 'coap-client-notls';

function coapClient(args: string[]): Promise<{ stdout: string; missing: boolean }> {
  return new Promise((resolve, reject) => {
    execFile(COAP_CLIENT, args, { timeout: 10000 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') resolve({ stdout: '', missing: true });
      else if (err) reject(err);
      else resolve({ stdout: stdout, missing: false });
    });
  });
}

function skipMessage(t: { log(m: string): void; pass(): void }): void {
  t.log(COAP_CLIENT + ' is not installed (Debian package libcoap3-bin): skipped');
  t.pass();
}

test('coap-client-notls: GET /.well-known/core prints the link format', async (t) => {
  const f = await start();
  try {
    const r = await coapClient(['-m', 'get', 'coap://' + HOST + ':' + f.port + '/.well-known/core']);
    if (r.missing) return skipMessage(t);
    t.is(r.stdout.trim(), '</hello>;rt="greeting";ct=0,</big>;sz=3000,</counter>;obs,</slow>');
  } finally {
    await stop(f);
  }
});

test('coap-client-notls: GET /hello and a Block2 transfer of /big', async (t) => {
  const f = await start();
  try {
    const r = await coapClient(['-m', 'get', 'coap://' + HOST + ':' + f.port + '/hello']);
    if (r.missing) return skipMessage(t);
    t.is(r.stdout.trim(), 'world');
    const big = await coapClient(['-m', 'get', '-b', '64', 'coap://' + HOST + ':' + f.port + '/big']);
    t.is(big.stdout.trim(), bigText);
  } finally {
    await stop(f);
  }
});
