import test from 'ava';
import { CoreError } from '../../device/errors.ts';
import { decode as cborDecode, CborMap } from '../../device/codec/cbor.ts';
import { Endpoint } from '../../device/coap/endpoint.ts';
import type { EndpointOptions } from '../../device/coap/endpoint.ts';
import type { CoapResponse, Exchange, RequestHandler } from '../../device/coap/interfaces.ts';
import { emptyMessage, encodeUint, getOption } from '../../device/coap/message.ts';
import { EXCHANGE_LIFETIME, Option, Type } from '../../device/coap/numbers.ts';
import { FakeTransport, fixedRandom, opt, request, text } from './helpers.ts';

const P = '10.0.0.1:5683';
const Q = '10.0.0.2:5683';
const GET = 1;

function ok(body: string, extra?: CoapResponse['options']): CoapResponse {
  return { code: 0x45, options: extra || [], payload: Buffer.from(body) };
}

/** A handler that answers at once, or keeps the exchange for the test to answer later. */
class Recorder implements RequestHandler {
  calls: Exchange[] = [];
  answer: ((ex: Exchange) => void) | null = (ex) => ex.respond(ok('hi'));
  handle(ex: Exchange): void {
    this.calls.push(ex);
    if (this.answer) this.answer(ex);
  }
}

function setup(options?: Partial<EndpointOptions>) {
  const transport = new FakeTransport();
  const handler = new Recorder();
  const endpoint = new Endpoint(handler, transport, Object.assign({ randomBytes: fixedRandom([0x12, 0x34]) }, options));
  return { transport, handler, endpoint };
}

/** Advances virtual time to `at`, polling at every deadline on the way (as the host's timer does). */
function runUntil(s: ReturnType<typeof setup>, at: number): void {
  for (let guard = 0; guard < 1000; guard++) {
    const d = s.endpoint.nextDeadline();
    if (d > at) break;
    s.transport.t = Math.max(s.transport.t, d);
    s.endpoint.poll();
  }
  s.transport.t = at;
  s.endpoint.poll();
}

test('CON GET gets a piggybacked ACK with the same message ID and token', (t) => {
  const s = setup();
  s.endpoint.receive(request(Type.CON, GET, 0x7d34, [1, 2], [opt(11, 'x')]), P);
  const [out] = s.transport.take();
  t.is(out.peer, P);
  t.is(out.msg.type, Type.ACK);
  t.is(out.msg.code, 0x45);
  t.is(out.msg.messageId, 0x7d34);
  t.deepEqual([...out.msg.token], [1, 2]);
  t.is(text(out.msg.payload), 'hi');
  t.false(s.handler.calls[0].active);
  t.is(s.endpoint.nextDeadline(), Infinity);
});

test('NON request gets a NON response with a new message ID; IDs start random and increment', (t) => {
  const s = setup();
  s.endpoint.receive(request(Type.NON, GET, 7, [9], []), P);
  s.endpoint.receive(request(Type.NON, GET, 8, [9], []), P);
  const out = s.transport.take();
  t.is(out[0].msg.type, Type.NON);
  t.is(out[0].msg.messageId, 0x1235);
  t.is(out[1].msg.messageId, 0x1236);
  t.deepEqual([...out[0].msg.token], [9]);
});

test('a duplicate CON is answered with the same bytes and handled once', (t) => {
  const s = setup();
  const req = request(Type.CON, GET, 100, [1], []);
  s.endpoint.receive(req, P);
  s.endpoint.receive(req, P);
  const out = s.transport.take();
  t.is(s.handler.calls.length, 1);
  t.is(out.length, 2);
  t.deepEqual(out[1].bytes, out[0].bytes);
  // the same message ID from another peer is another request
  s.endpoint.receive(req, Q);
  t.is(s.handler.calls.length, 2);
});

test('a duplicate NON is ignored', (t) => {
  const s = setup();
  const req = request(Type.NON, GET, 100, [1], []);
  s.endpoint.receive(req, P);
  s.endpoint.receive(req, P);
  t.is(s.handler.calls.length, 1);
  t.is(s.transport.take().length, 1);
});

test('deduplication lasts EXCHANGE_LIFETIME', (t) => {
  const s = setup();
  const req = request(Type.CON, GET, 100, [1], []);
  s.endpoint.receive(req, P);
  s.transport.t += EXCHANGE_LIFETIME - 1;
  s.endpoint.receive(req, P);
  t.is(s.handler.calls.length, 1);
  s.transport.t += 1;
  s.endpoint.receive(req, P);
  t.is(s.handler.calls.length, 2);
});

test('the deduplication table is bounded: the oldest entry is evicted', (t) => {
  const s = setup({ dedupCapacity: 4 });
  for (let mid = 1; mid <= 5; mid++) s.endpoint.receive(request(Type.CON, GET, mid, [], []), P);
  t.is(s.handler.calls.length, 5);
  s.endpoint.receive(request(Type.CON, GET, 5, [], []), P); // still remembered
  t.is(s.handler.calls.length, 5);
  s.endpoint.receive(request(Type.CON, GET, 1, [], []), P); // evicted: handled again
  t.is(s.handler.calls.length, 6);
  // many peers sharing message IDs stay correct through eviction
  const big = setup({ dedupCapacity: 50 });
  for (let i = 0; i < 500; i++) big.endpoint.receive(request(Type.CON, GET, i % 7, [], []), 'p' + i);
  t.is(big.handler.calls.length, 500);
  for (let i = 450; i < 500; i++) big.endpoint.receive(request(Type.CON, GET, i % 7, [], []), 'p' + i);
  t.is(big.handler.calls.length, 500);
  big.endpoint.receive(request(Type.CON, GET, 449 % 7, [], []), 'p449');
  t.is(big.handler.calls.length, 501);
});

test('separate response: Empty ACK, then a CON with a new ID retransmitted with back-off until ACKed', (t) => {
  const s = setup();
  s.handler.answer = null;
  s.endpoint.receive(request(Type.CON, GET, 0x40, [7, 7], []), P);
  const [ack] = s.transport.take();
  t.deepEqual(ack.bytes, emptyMessage(Type.ACK, 0x40));
  const ex = s.handler.calls[0];
  t.true(ex.active);
  // a duplicate of the request meanwhile gets the Empty ACK again
  s.endpoint.receive(request(Type.CON, GET, 0x40, [7, 7], []), P);
  t.deepEqual(s.transport.take()[0].bytes, ack.bytes);

  s.transport.t += 500;
  ex.respond(ok('late'));
  const [res] = s.transport.take();
  t.is(res.msg.type, Type.CON);
  t.is(res.msg.messageId, 0x1235);
  t.deepEqual([...res.msg.token], [7, 7]);
  t.is(text(res.msg.payload), 'late');
  const t0 = s.transport.t;
  t.is(s.endpoint.nextDeadline(), t0 + 2000); // jitter 0: ACK_TIMEOUT exactly
  runUntil(s, t0 + 1999);
  t.is(s.transport.take().length, 0);
  runUntil(s, t0 + 2000);
  const [again] = s.transport.take();
  t.deepEqual(again.bytes, res.bytes);
  t.is(s.endpoint.nextDeadline(), t0 + 6000);
  s.endpoint.receive(emptyMessage(Type.ACK, 0x1235), P);
  runUntil(s, t0 + 100000);
  t.is(s.transport.take().length, 0);
  t.is(s.endpoint.pendingExchanges, 0);
  // respond is at most once
  ex.respond(ok('twice'));
  t.is(s.transport.take().length, 0);
});

test('separate response gives up after MAX_RETRANSMIT (2, 4, 8, 16 s back-off, then 32 s) and cancels', (t) => {
  const s = setup();
  s.handler.answer = null;
  s.endpoint.receive(request(Type.CON, GET, 1, [1], []), P);
  s.transport.take();
  const ex = s.handler.calls[0];
  let cancelled = 0;
  ex.onCancel(() => cancelled++);
  const t0 = s.transport.t;
  ex.respond(ok('x'));
  const times: number[] = [];
  const origSend = s.transport.send.bind(s.transport);
  s.transport.send = (d, p) => {
    times.push(s.transport.t - t0);
    origSend(d, p);
  };
  runUntil(s, t0 + 61999);
  t.deepEqual(times, [2000, 6000, 14000, 30000]);
  t.is(cancelled, 0);
  runUntil(s, t0 + 62000);
  t.is(cancelled, 1);
  runUntil(s, t0 + 200000);
  t.is(times.length, 4);
  t.is(s.endpoint.pendingExchanges, 0);
  t.is(s.endpoint.nextDeadline(), Infinity);
});

test('jitter: the first timeout is within [ACK_TIMEOUT, 1.5 ACK_TIMEOUT]', (t) => {
  const s = setup({ randomBytes: fixedRandom([0, 0, 255]) });
  s.handler.answer = null;
  s.endpoint.receive(request(Type.CON, GET, 1, [1], []), P);
  s.handler.calls[0].respond(ok('x'));
  t.is(s.endpoint.nextDeadline() - s.transport.t, 3000);
});

test('RST to a separate response cancels it', (t) => {
  const s = setup();
  s.handler.answer = null;
  s.endpoint.receive(request(Type.CON, GET, 1, [1], []), P);
  const ex = s.handler.calls[0];
  let cancelled = 0;
  ex.onCancel(() => cancelled++);
  ex.respond(ok('x'));
  const res = s.transport.take()[1];
  s.endpoint.receive(emptyMessage(Type.RST, res.msg.messageId), Q); // another peer: not a match
  t.is(cancelled, 0);
  s.endpoint.receive(emptyMessage(Type.RST, res.msg.messageId), P);
  t.is(cancelled, 1);
  t.is(s.endpoint.pendingExchanges, 0);
  runUntil(s, s.transport.t + 100000);
  t.is(s.transport.take().length, 0);
});

test('a late response that never comes is dropped after lateResponseMs', (t) => {
  const s = setup({ lateResponseMs: 5000 });
  s.handler.answer = null;
  s.endpoint.receive(request(Type.NON, GET, 1, [1], []), P);
  t.is(s.transport.take().length, 0); // NON: no ACK
  let cancelled = 0;
  s.handler.calls[0].onCancel(() => cancelled++);
  runUntil(s, s.transport.t + 5000);
  t.is(cancelled, 1);
  t.false(s.handler.calls[0].active);
  s.handler.calls[0].respond(ok('too late'));
  t.is(s.transport.take().length, 0);
  // a late response to a NON is a NON
  s.endpoint.receive(request(Type.NON, GET, 2, [2], []), P);
  s.handler.calls[1].respond(ok('y'));
  t.is(s.transport.take()[0].msg.type, Type.NON);
  t.is(s.endpoint.pendingExchanges, 0);
});

test('exchanges kept after handle() are bounded: beyond the bound the answer is 5.03', (t) => {
  const s = setup({ maxExchanges: 2 });
  s.handler.answer = null;
  for (let mid = 1; mid <= 3; mid++) s.endpoint.receive(request(Type.CON, GET, mid, [mid], []), P);
  const out = s.transport.take();
  t.deepEqual(
    out.map((o) => [o.msg.type, o.msg.code]),
    [
      [Type.ACK, 0],
      [Type.ACK, 0],
      [Type.ACK, 0xa3],
    ],
  );
  t.is(s.endpoint.pendingExchanges, 2);
});

function observeSetup() {
  const s = setup();
  s.handler.answer = (ex) => ex.respond(ok('v0', [opt(Option.Observe, [5])]));
  s.endpoint.receive(request(Type.CON, GET, 0x10, [0xaa], [opt(Option.Observe, [])]), P);
  const [reg] = s.transport.take();
  const ex = s.handler.calls[0];
  let cancelled = 0;
  ex.onCancel(() => cancelled++);
  return { s, ex, reg, cancelled: () => cancelled };
}

test('Observe: registration, CON notifications with the same token, ACKed', (t) => {
  const { s, ex, reg } = observeSetup();
  t.is(reg.msg.type, Type.ACK);
  t.deepEqual(getOption(reg.msg.options, Option.Observe), new Uint8Array([5]));
  t.true(ex.active);
  ex.notify(ok('v1', [opt(Option.Observe, [6])]));
  const [n1] = s.transport.take();
  t.is(n1.msg.type, Type.CON);
  t.deepEqual([...n1.msg.token], [0xaa]);
  t.is(text(n1.msg.payload), 'v1');
  s.endpoint.receive(emptyMessage(Type.ACK, n1.msg.messageId), P);
  t.is(s.endpoint.nextDeadline() === Infinity || s.endpoint.nextDeadline() >= s.transport.t, true);
  ex.notify(ok('v2', [opt(Option.Observe, [7])]));
  const [n2] = s.transport.take();
  t.not(n2.msg.messageId, n1.msg.messageId);
  s.endpoint.receive(emptyMessage(Type.ACK, n2.msg.messageId), P);
  runUntil(s, s.transport.t + 100000);
  t.is(s.transport.take().length, 0);
  t.true(ex.active);
});

test('Observe: a notification is retransmitted, and RST cancels the observation', (t) => {
  const { s, ex, cancelled } = observeSetup();
  ex.notify(ok('v1', [opt(Option.Observe, [6])]));
  const [n1] = s.transport.take();
  runUntil(s, s.transport.t + 2000);
  const [r1] = s.transport.take();
  t.deepEqual(r1.bytes, n1.bytes);
  s.endpoint.receive(emptyMessage(Type.RST, n1.msg.messageId), P);
  t.is(cancelled(), 1);
  t.false(ex.active);
  ex.notify(ok('v2', [opt(Option.Observe, [7])]));
  runUntil(s, s.transport.t + 100000);
  t.is(s.transport.take().length, 0);
  t.is(s.endpoint.pendingExchanges, 0);
});

test('Observe: a notification that is never ACKed ends the observation', (t) => {
  const { s, ex, cancelled } = observeSetup();
  ex.notify(ok('v1', [opt(Option.Observe, [6])]));
  runUntil(s, s.transport.t + 200000);
  t.is(s.transport.take().length, 5); // the notification and 4 retransmissions
  t.is(cancelled(), 1);
  t.false(ex.active);
});

test('Observe: a newer notification replaces the one in flight at its next transmission', (t) => {
  const { s, ex } = observeSetup();
  ex.notify(ok('v1', [opt(Option.Observe, [6])]));
  const [n1] = s.transport.take();
  ex.notify(ok('v2', [opt(Option.Observe, [7])]));
  ex.notify(ok('v3', [opt(Option.Observe, [8])]));
  t.is(s.transport.take().length, 0); // one CON at a time
  runUntil(s, s.transport.t + 2000);
  const [n3] = s.transport.take();
  t.is(text(n3.msg.payload), 'v3');
  t.not(n3.msg.messageId, n1.msg.messageId);
  // the old message ID no longer matches: retransmission goes on, with v3 and its ID
  s.endpoint.receive(emptyMessage(Type.ACK, n1.msg.messageId), P);
  runUntil(s, s.transport.t + 4000);
  const [again] = s.transport.take();
  t.deepEqual(again.bytes, n3.bytes);
  // the ACK of the current ID stops it
  s.endpoint.receive(emptyMessage(Type.ACK, n3.msg.messageId), P);
  runUntil(s, s.transport.t + 100000);
  t.is(s.transport.take().length, 0);
  t.true(ex.active);
});

test('Observe: an ACK with a queued notification sends it at once', (t) => {
  const { s, ex } = observeSetup();
  ex.notify(ok('v1', [opt(Option.Observe, [6])]));
  const [n1] = s.transport.take();
  ex.notify(ok('v2', [opt(Option.Observe, [7])]));
  s.endpoint.receive(emptyMessage(Type.ACK, n1.msg.messageId), P);
  const [n2] = s.transport.take();
  t.is(text(n2.msg.payload), 'v2');
  t.is(n2.msg.type, Type.CON);
});

test('Observe: a final notification (no Observe option) ends the observation after its ACK', (t) => {
  const { s, ex, cancelled } = observeSetup();
  ex.notify({ code: 0x84, options: [], payload: new Uint8Array(0) });
  const [fin] = s.transport.take();
  t.is(fin.msg.code, 0x84);
  t.false(ex.active);
  t.is(cancelled(), 1);
  t.is(s.endpoint.pendingExchanges, 1); // until the ACK
  s.endpoint.receive(emptyMessage(Type.ACK, fin.msg.messageId), P);
  t.is(s.endpoint.pendingExchanges, 0);
});

test('Observe: a new request with the token of an observation ends it (deregistration)', (t) => {
  const { s, ex, cancelled } = observeSetup();
  s.handler.answer = (e) => e.respond(ok('plain'));
  s.endpoint.receive(request(Type.CON, GET, 0x11, [0xab], [opt(Option.Observe, [1])]), P); // other token
  t.true(ex.active);
  s.endpoint.receive(request(Type.CON, GET, 0x12, [0xaa], [opt(Option.Observe, [1])]), Q); // other peer
  t.true(ex.active);
  s.endpoint.receive(request(Type.CON, GET, 0x13, [0xaa], [opt(Option.Observe, [1])]), P);
  t.false(ex.active);
  t.is(cancelled(), 1);
  t.is(s.endpoint.pendingExchanges, 0);
});

test('Observe: a FETCH registers too (the outer code of an OSCORE observation, RFC 8613 §4.1.3.5)', (t) => {
  const s = setup();
  s.handler.answer = (ex) => ex.respond(ok('v0', [opt(Option.Observe, [5])]));
  s.endpoint.receive(request(Type.CON, 5, 0x10, [0xaa], [opt(Option.Observe, []), opt(Option.Oscore, [9])]), P);
  t.true(s.handler.calls[0].active);
  // a POST answered with Observe does not
  s.endpoint.receive(request(Type.CON, 2, 0x11, [0xab], [opt(Option.Observe, [])]), P);
  t.false(s.handler.calls[1].active);
});

test('Observe: RST of a NON registration response cancels', (t) => {
  const s = setup();
  s.handler.answer = (ex) => ex.respond(ok('v0', [opt(Option.Observe, [5])]));
  s.endpoint.receive(request(Type.NON, GET, 0x10, [0xaa], [opt(Option.Observe, [])]), P);
  const [reg] = s.transport.take();
  t.is(reg.msg.type, Type.NON);
  s.endpoint.receive(emptyMessage(Type.RST, reg.msg.messageId), P);
  t.false(s.handler.calls[0].active);
});

test('Observe: with no room left a registration is answered without Observe', (t) => {
  const s = setup({ maxExchanges: 1 });
  s.handler.answer = (ex) => ex.respond(ok('v0', [opt(Option.Observe, [5])]));
  s.endpoint.receive(request(Type.CON, GET, 1, [1], [opt(Option.Observe, [])]), P);
  s.endpoint.receive(request(Type.CON, GET, 2, [2], [opt(Option.Observe, [])]), P);
  const out = s.transport.take();
  t.truthy(getOption(out[0].msg.options, Option.Observe));
  t.is(getOption(out[1].msg.options, Option.Observe), null);
  let cancelled = 0;
  s.handler.calls[1].onCancel(() => cancelled++);
  t.is(cancelled, 1); // the refused observation counts as ended
  t.false(s.handler.calls[1].active);
  t.true(s.handler.calls[0].active);
});

test('CoAP ping: an Empty CON gets RST; an Empty NON is ignored', (t) => {
  const s = setup();
  s.endpoint.receive(new Uint8Array([0x40, 0, 0x12, 0x34]), P);
  t.deepEqual(s.transport.take()[0].bytes, emptyMessage(Type.RST, 0x1234));
  s.endpoint.receive(new Uint8Array([0x50, 0, 0x12, 0x35]), P);
  t.is(s.transport.take().length, 0);
  t.is(s.handler.calls.length, 0);
});

test('a CON carrying a response or reserved code gets RST; NON/ACK/RST of that kind are ignored', (t) => {
  const s = setup();
  for (const code of [0x45, 0x20, 0xc0, 0xe1]) {
    s.endpoint.receive(request(Type.CON, code, 0x55, [1], []), P);
    t.deepEqual(s.transport.take()[0].bytes, emptyMessage(Type.RST, 0x55));
    s.endpoint.receive(request(Type.NON, code, 0x56, [1], []), P);
    s.endpoint.receive(request(Type.ACK, code, 0x57, [1], []), P);
    s.endpoint.receive(request(Type.RST, code, 0x58, [1], []), P);
    t.is(s.transport.take().length, 0);
  }
  t.is(s.handler.calls.length, 0);
  // stray ACK and RST match nothing
  s.endpoint.receive(emptyMessage(Type.ACK, 0x99), P);
  s.endpoint.receive(emptyMessage(Type.RST, 0x99), P);
  t.is(s.transport.take().length, 0);
});

test('unrecognized critical option: CON gets 4.02 with a CBOR diagnostic; NON is rejected silently', (t) => {
  const s = setup();
  s.endpoint.receive(request(Type.CON, GET, 1, [1], [opt(11, 'x'), opt(65001, [])]), P);
  const [out] = s.transport.take();
  t.is(out.msg.type, Type.ACK);
  t.is(out.msg.code, 0x82);
  t.deepEqual(getOption(out.msg.options, Option.ContentFormat), encodeUint(60));
  const diag = cborDecode(out.msg.payload) as CborMap;
  t.is(diag.get('error'), 'bad_option');
  s.endpoint.receive(request(Type.NON, GET, 2, [1], [opt(65001, [])]), P);
  t.is(s.transport.take().length, 0);
  t.is(s.handler.calls.length, 0);
  // a repeated non-repeatable critical option, and a bad length, count as unrecognized
  s.endpoint.receive(request(Type.CON, GET, 3, [1], [opt(3, 'a'), opt(3, 'b')]), P);
  s.endpoint.receive(request(Type.CON, GET, 4, [1], [opt(Option.Block2, [1, 2, 3, 4])]), P);
  t.deepEqual(
    s.transport.take().map((o) => o.msg.code),
    [0x82, 0x82],
  );
  // electives and OSCORE pass to the handler
  s.endpoint.receive(request(Type.CON, GET, 5, [1], [opt(Option.Oscore, [9]), opt(2048, [1]), opt(Option.Observe, [1, 2, 3, 4, 5])]), P);
  t.is(s.handler.calls.length, 1);
  t.is(s.transport.take()[0].msg.code, 0x45);
  // a custom set: OSCORE not understood
  const plain = setup({ understood: [11] });
  plain.endpoint.receive(request(Type.CON, GET, 1, [1], [opt(Option.Oscore, [9])]), P);
  t.is(plain.transport.take()[0].msg.code, 0x82);
});

test('malformed datagrams: CON gets RST, everything else is ignored', (t) => {
  const s = setup();
  s.endpoint.receive(new Uint8Array([0x49, 1, 0xab, 0xcd, 1, 2, 3, 4, 5, 6, 7, 8, 9]), P);
  t.deepEqual(s.transport.take()[0].bytes, emptyMessage(Type.RST, 0xabcd));
  for (const bad of [[], [0x40], [0x80, 1, 0, 1], [0x59, 1, 0, 1], [0x50, 1, 0, 1, 0xff], [0x60, 1, 0, 1, 0xf0], [0x70, 0, 0, 1, 0xff, 1]]) {
    s.endpoint.receive(new Uint8Array(bad), P);
  }
  t.is(s.transport.take().length, 0);
  t.is(s.handler.calls.length, 0);
});

test('a handler that throws: CoreError becomes its code, anything else 5.00', (t) => {
  const s = setup();
  s.handler.answer = () => {
    throw new CoreError('forbidden', 'no');
  };
  s.endpoint.receive(request(Type.CON, GET, 1, [1], []), P);
  t.is(s.transport.take()[0].msg.code, 0x83);
  s.handler.answer = () => {
    throw new TypeError('bug');
  };
  s.endpoint.receive(request(Type.CON, GET, 2, [1], []), P);
  const [out] = s.transport.take();
  t.is(out.msg.code, 0xa0);
  t.is((cborDecode(out.msg.payload) as CborMap).get('error'), 'internal');
  // a response the codec refuses becomes 5.00 too
  s.handler.answer = (ex) => ex.respond({ code: 0x45, options: [opt(1, new Uint8Array(70000))], payload: new Uint8Array(0) });
  s.endpoint.receive(request(Type.CON, GET, 3, [1], []), P);
  t.is(s.transport.take()[0].msg.code, 0xa0);
});

test('onCancel callbacks that throw do not break the endpoint', (t) => {
  const { s, ex } = observeSetup();
  let second = 0;
  ex.onCancel(() => {
    throw new Error('bad callback');
  });
  ex.onCancel(() => second++);
  ex.notify(ok('v1', [opt(Option.Observe, [6])]));
  const [n] = s.transport.take();
  s.endpoint.receive(emptyMessage(Type.RST, n.msg.messageId), P);
  t.is(second, 1);
  let late = 0;
  ex.onCancel(() => late++); // registering after the end calls at once
  t.is(late, 1);
});
