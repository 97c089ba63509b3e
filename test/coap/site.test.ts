import test from 'ava';
import { CoreError } from '../../device/errors.ts';
import { decode as cborDecode, CborMap } from '../../device/codec/cbor.ts';
import { decodeBlock, encodeBlock, etagOf } from '../../device/coap/block.ts';
import { Endpoint } from '../../device/coap/endpoint.ts';
import type { Exchange } from '../../device/coap/interfaces.ts';
import { decodeUint, emptyMessage, encodeUint, getOption } from '../../device/coap/message.ts';
import { ContentFormat, Option, Type } from '../../device/coap/numbers.ts';
import { Site, makeResponse, simpleResource } from '../../device/coap/site.ts';
import { FakeTransport, fixedRandom, opt, pathOptions, request, text, throwsCore } from './helpers.ts';

const P = '127.0.0.1:40000';
const GET = 1;
const POST = 2;
const PUT = 3;

const big = new Uint8Array(3000);
for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;

function setup(siteOptions?: ConstructorParameters<typeof Site>[0]) {
  const site = new Site(siteOptions);
  const transport = new FakeTransport();
  const endpoint = new Endpoint(site, transport, { randomBytes: fixedRandom() });
  let mid = 100;
  const ask = (code: number, path: string, options?: ReturnType<typeof opt>[], payload?: Uint8Array, token?: number[]) => {
    endpoint.receive(request(Type.CON, code, mid++, token || [1], pathOptions(path).concat(options || []), payload), P);
    const out = transport.take();
    return out[out.length - 1].msg;
  };
  return { site, transport, endpoint, ask };
}

function diag(payload: Uint8Array): CborMap {
  return cborDecode(payload) as CborMap;
}

test('routes by Uri-Path; 4.04 for unknown paths with a CBOR diagnostic', (t) => {
  const s = setup();
  s.site.add('/hello', simpleResource({ get: () => makeResponse(0x45, 'world', ContentFormat.TextPlain) }));
  s.site.add('a/b', simpleResource({ get: () => makeResponse(0x45, 'ab') }));
  const r = s.ask(GET, '/hello');
  t.is(r.code, 0x45);
  t.is(text(r.payload), 'world');
  t.deepEqual(getOption(r.options, Option.ContentFormat), new Uint8Array(0));
  t.is(text(s.ask(GET, '/a/b').payload), 'ab');
  const nf = s.ask(GET, '/nope');
  t.is(nf.code, 0x84);
  t.deepEqual(getOption(nf.options, Option.ContentFormat), encodeUint(60));
  t.is(diag(nf.payload).get('error'), 'not_found');
  t.is(s.ask(GET, '/').code, 0x84);
});

test('4.05 when the resource refuses the method; other methods reach their function', (t) => {
  const s = setup();
  let posted = '';
  s.site.add(
    '/lock',
    simpleResource({
      get: () => makeResponse(0x45, 'locked'),
      post: (ex) => {
        posted = text(ex.request.payload);
        return makeResponse(0x44, '');
      },
    }),
  );
  t.is(s.ask(PUT, '/lock').code, 0x85);
  t.is(diag(s.ask(PUT, '/lock').payload).get('error'), 'method_not_allowed');
  t.is(s.ask(POST, '/lock', [], Buffer.from('open')).code, 0x44);
  t.is(posted, 'open');
  t.is(s.ask(0x1f, '/lock').code, 0x85); // an unknown method code
});

test('a CoreError thrown by a resource becomes its code and a diagnostic; other throws 5.00', (t) => {
  const s = setup();
  s.site.add('/f', simpleResource({ get: () => { throw new CoreError('forbidden', 'not for you'); } }));
  s.site.add('/x', simpleResource({ get: () => { throw new RangeError('bug'); } }));
  const f = s.ask(GET, '/f');
  t.is(f.code, 0x83);
  t.is(diag(f.payload).get('detail'), 'not for you');
  t.deepEqual(diag(f.payload).keys, ['error', 'detail']);
  t.is(s.ask(GET, '/x').code, 0xa0);
});

test('the Site refuses critical options it does not process (the inner message under OSCORE)', (t) => {
  const s = setup();
  s.site.add('/a', simpleResource({ get: () => makeResponse(0x45, 'a') }));
  // the endpoint lets OSCORE through to the chain; with no OSCORE layer the Site answers 4.02
  t.is(s.ask(GET, '/a', [opt(Option.Oscore, [])]).code, 0x82);
  t.is(s.ask(GET, '/a', [opt(Option.UriQuery, 'k=v'), opt(Option.UriHost, 'h')]).code, 0x45);
});

test('4.06 when Accept names another content format', (t) => {
  const s = setup();
  s.site.add('/c', simpleResource({ get: () => makeResponse(0x45, new Uint8Array([0xa0]), ContentFormat.Cbor) }));
  t.is(s.ask(GET, '/c', [opt(Option.Accept, encodeUint(60))]).code, 0x45);
  t.is(s.ask(GET, '/c', [opt(Option.Accept, encodeUint(50))]).code, 0x86);
});

test('/.well-known/core lists the resources in link format (RFC 6690)', (t) => {
  const s = setup();
  s.site.add('/lock', simpleResource({ linkAttributes: ';rt="core.lock";ct=60', get: () => null }));
  s.site.add('/sensor/hr', simpleResource({ linkAttributes: 'rt="vitals";obs', observable: true, get: () => null }));
  s.site.add('/plain', simpleResource({ get: () => null }));
  const r = s.ask(GET, '/.well-known/core');
  t.is(r.code, 0x45);
  t.deepEqual(getOption(r.options, Option.ContentFormat), encodeUint(40));
  t.is(text(r.payload), '</lock>;rt="core.lock";ct=60,</sensor/hr>;rt="vitals";obs,</plain>');
  t.is(s.ask(POST, '/.well-known/core').code, 0x85);
  t.is(throwsCore(t, () => s.site.add('/.well-known/core', simpleResource({}))).kind, 'internal');
});

test('/.well-known/core goes block-wise when long', (t) => {
  const s = setup({ blockSize: 64 });
  for (let i = 0; i < 20; i++) s.site.add('/resource-number-' + i, simpleResource({ linkAttributes: ';rt="x"', get: () => null }));
  let doc = '';
  for (let num = 0; num < 100; num++) {
    const r = s.ask(GET, '/.well-known/core', num === 0 ? [] : [opt(Option.Block2, encodeBlock(num, false, 2))]);
    const b = decodeBlock(getOption(r.options, Option.Block2) as Uint8Array);
    t.is(b.num, num);
    t.is(b.szx, 2);
    doc += text(r.payload);
    if (!b.more) break;
  }
  t.is(doc.split(',').length, 20);
  t.true(doc.startsWith('</resource-number-0>;rt="x",'));
});

test('Block2: a 3 KB representation fetched block by block, with Size2 and a stable ETag', (t) => {
  const s = setup(); // default block size 512
  let renders = 0;
  s.site.add('/big', simpleResource({ get: () => { renders++; return makeResponse(0x45, big, ContentFormat.OctetStream); } }));
  const parts: Uint8Array[] = [];
  let etag: Uint8Array | null = null;
  for (let num = 0; num < 10; num++) {
    const r = s.ask(GET, '/big', num === 0 ? [] : [opt(Option.Block2, encodeBlock(num, false, 5))], undefined, [num]);
    t.is(r.code, 0x45);
    const b = decodeBlock(getOption(r.options, Option.Block2) as Uint8Array);
    t.is(b.num, num);
    t.is(b.szx, 5);
    t.is(decodeUint(getOption(r.options, Option.Size2) as Uint8Array), 3000);
    const e = getOption(r.options, Option.ETag) as Uint8Array;
    if (etag === null) etag = e;
    else t.deepEqual(e, etag);
    parts.push(r.payload);
    t.is(b.more, num < 5);
    if (!b.more) break;
  }
  t.is(parts.length, 6);
  t.deepEqual(Buffer.concat(parts), Buffer.from(big));
  t.is(renders, 6);
  t.deepEqual(etag, etagOf(big));
});

test('Block2: the client may ask for smaller blocks; larger ones are served at the Site size', (t) => {
  const s = setup({ blockSize: 256 });
  s.site.add('/big', simpleResource({ get: () => makeResponse(0x45, big) }));
  const small = s.ask(GET, '/big', [opt(Option.Block2, encodeBlock(3, false, 4))]); // szx 4: 256-byte blocks
  t.deepEqual(decodeBlock(getOption(small.options, Option.Block2) as Uint8Array), { num: 3, more: true, szx: 4 });
  t.deepEqual(small.payload, big.subarray(768, 1024));
  const tiny = s.ask(GET, '/big', [opt(Option.Block2, encodeBlock(0, false, 0))]);
  t.is(tiny.payload.length, 16);
  // 1024-byte block 1 starts at 1024 = 256-byte block 4
  const large = s.ask(GET, '/big', [opt(Option.Block2, encodeBlock(1, false, 6))]);
  t.deepEqual(decodeBlock(getOption(large.options, Option.Block2) as Uint8Array), { num: 4, more: true, szx: 4 });
  t.deepEqual(large.payload, big.subarray(1024, 1280));
  // a small representation asked with Block2 still answers with Block2
  s.site.add('/small', simpleResource({ get: () => makeResponse(0x45, 'tiny') }));
  const one = s.ask(GET, '/small', [opt(Option.Block2, encodeBlock(0, false, 6))]);
  t.deepEqual(decodeBlock(getOption(one.options, Option.Block2) as Uint8Array), { num: 0, more: false, szx: 4 });
  t.is(getOption(s.ask(GET, '/small').options, Option.Block2), null);
});

test('Block2: SZX 7 and blocks past the end are 4.00', (t) => {
  const s = setup();
  s.site.add('/big', simpleResource({ get: () => makeResponse(0x45, big) }));
  t.is(s.ask(GET, '/big', [opt(Option.Block2, [0x07])]).code, 0x80);
  t.is(s.ask(GET, '/big', [opt(Option.Block2, encodeBlock(6, false, 5))]).code, 0x80);
  t.is(s.ask(GET, '/big', [opt(Option.Block2, encodeBlock(5, false, 5))]).code, 0x45);
});

test('Block2: a changed representation gets another ETag', (t) => {
  const s = setup();
  let body = big;
  s.site.add('/big', simpleResource({ get: () => makeResponse(0x45, body) }));
  const e1 = getOption(s.ask(GET, '/big').options, Option.ETag);
  body = big.slice();
  body[2999] ^= 1;
  const e2 = getOption(s.ask(GET, '/big', [opt(Option.Block2, encodeBlock(1, false, 5))]).options, Option.ETag);
  t.notDeepEqual(e1, e2);
});

function observeSetup() {
  const s = setup();
  let state = 0;
  s.site.add(
    '/alarm',
    simpleResource({
      observable: true,
      get: () => (state < 0 ? (() => { throw new CoreError('not_found', 'gone'); })() : makeResponse(0x45, 's' + state)),
    }),
  );
  const register = (token: number[]) => s.ask(GET, '/alarm', [opt(Option.Observe, [])], undefined, token);
  return { s, register, set: (v: number) => (state = v) };
}

function observeValue(m: { options: ReturnType<typeof opt>[] }): number | null {
  const v = getOption(m.options, Option.Observe);
  return v === null ? null : decodeUint(v);
}

test('Observe: register, notify on changed() with increasing sequence numbers, RST cancels', (t) => {
  const o = observeSetup();
  const reg = o.register([0xa1]);
  t.is(reg.code, 0x45);
  const first = observeValue(reg) as number;
  t.true(first >= 0);
  t.is(o.s.site.observerCountOf('/alarm'), 1);
  const seen: number[] = [];
  for (let v = 1; v <= 3; v++) {
    o.set(v);
    o.s.site.changed('/alarm');
    const [n] = o.s.transport.take();
    t.is(n.msg.type, Type.CON);
    t.deepEqual([...n.msg.token], [0xa1]);
    t.is(text(n.msg.payload), 's' + v);
    seen.push(observeValue(n.msg) as number);
    o.s.endpoint.receive(emptyMessage(Type.ACK, n.msg.messageId), P);
  }
  t.deepEqual(seen, [first + 1, first + 2, first + 3]);
  o.s.site.changed('/alarm');
  const [n] = o.s.transport.take();
  o.s.endpoint.receive(emptyMessage(Type.RST, n.msg.messageId), P);
  t.is(o.s.site.observerCountOf('/alarm'), 0);
  o.s.site.changed('/alarm');
  t.is(o.s.transport.take().length, 0);
});

test('Observe: Observe 1 with the same token deregisters; a non-observable resource does not register', (t) => {
  const o = observeSetup();
  o.register([0xa1]);
  o.register([0xa2]);
  t.is(o.s.site.observerCountOf(), 2);
  const r = o.s.ask(GET, '/alarm', [opt(Option.Observe, [1])], undefined, [0xa1]);
  t.is(observeValue(r), null);
  t.is(o.s.site.observerCountOf('/alarm'), 1);
  // re-registration with the same token replaces, not adds
  o.register([0xa2]);
  t.is(o.s.site.observerCountOf('/alarm'), 1);
  o.s.site.add('/still', simpleResource({ get: () => makeResponse(0x45, 'x') }));
  t.is(observeValue(o.s.ask(GET, '/still', [opt(Option.Observe, [])])), null);
  t.is(o.s.site.observerCountOf(), 1);
});

test('Observe: an error rendering is the final notification and ends the observation', (t) => {
  const o = observeSetup();
  o.register([0xa1]);
  o.set(-1);
  o.s.site.changed('/alarm');
  const [n] = o.s.transport.take();
  t.is(n.msg.code, 0x84);
  t.is(observeValue(n.msg), null);
  t.is(o.s.site.observerCountOf('/alarm'), 0);
  o.s.endpoint.receive(emptyMessage(Type.ACK, n.msg.messageId), P);
  t.is(o.s.endpoint.pendingExchanges, 0);
});

test('Observe: the sequence number wraps at 24 bits', (t) => {
  const o = observeSetup();
  (o.s.site as unknown as { sequence: number }).sequence = 0xfffffe;
  const reg = o.register([0xa1]);
  t.is(observeValue(reg), 0xffffff);
  o.s.site.changed('/alarm');
  t.is(observeValue(o.s.transport.take()[0].msg), 0);
});

test('Observe: bounded number of observers; beyond it the answer carries no Observe', (t) => {
  const s = setup({ maxObservers: 2 });
  s.site.add('/o', simpleResource({ observable: true, get: () => makeResponse(0x45, 'v') }));
  const vals = [1, 2, 3].map((k) => getOption(s.ask(GET, '/o', [opt(Option.Observe, [])], undefined, [k]).options, Option.Observe));
  t.truthy(vals[0]);
  t.truthy(vals[1]);
  t.is(vals[2], null);
  t.is(s.site.observerCountOf(), 2);
});

test('Observe with Block2: notifications carry the first block', (t) => {
  const s = setup();
  s.site.add('/big', simpleResource({ observable: true, get: () => makeResponse(0x45, big) }));
  const reg = s.ask(GET, '/big', [opt(Option.Observe, [])]);
  t.truthy(getOption(reg.options, Option.Observe));
  t.deepEqual(decodeBlock(getOption(reg.options, Option.Block2) as Uint8Array), { num: 0, more: true, szx: 5 });
  s.site.changed('/big');
  const [n] = s.transport.take();
  t.deepEqual(decodeBlock(getOption(n.msg.options, Option.Block2) as Uint8Array), { num: 0, more: true, szx: 5 });
  t.is(n.msg.payload.length, 512);
});

test('Observe with Block2: a request for a later block does not register', (t) => {
  const s = setup();
  s.site.add('/big', simpleResource({ observable: true, get: () => makeResponse(0x45, big) }));
  const r = s.ask(GET, '/big', [opt(Option.Observe, []), opt(Option.Block2, encodeBlock(1, false, 5))]);
  t.is(getOption(r.options, Option.Observe), null);
  t.is(s.site.observerCountOf(), 0);
});

test('a resource may answer later; the endpoint sends it as a separate response', (t) => {
  const s = setup();
  let pending: Exchange | null = null;
  s.site.add('/slow', simpleResource({ post: (ex) => { pending = ex; return null; } }));
  const ack = s.ask(POST, '/slow');
  t.is(ack.type, Type.ACK);
  t.is(ack.code, 0);
  (pending as unknown as Exchange).respond(makeResponse(0x44, 'done'));
  const [res] = s.transport.take();
  t.is(res.msg.type, Type.CON);
  t.is(text(res.msg.payload), 'done');
});
