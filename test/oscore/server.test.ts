/** The OSCORE RequestHandler wrapper with a fake outer exchange (no endpoint, no network). */
import test from 'ava';
import { toHex, utf8Decode, utf8Encode } from '../../device/codec/bytes.ts';
import type { CoapMessage, CoapResponse, Exchange, RequestHandler } from '../../device/coap/interfaces.ts';
import { encodeUint, getOption } from '../../device/coap/message.ts';
import { Method, Option, Type } from '../../device/coap/numbers.ts';
import { Code, fail } from '../../device/errors.ts';
import { decodeOscoreOption } from '../../device/oscore/option.ts';
import { protectRequest } from '../../device/oscore/protect.ts';
import type { MessageContent, ProtectedRequest } from '../../device/oscore/protect.ts';
import { OscoreServer } from '../../device/oscore/server.ts';
import { ContextTable } from '../../device/oscore/table.ts';
import { unprotectResponse } from '../../device/oscore/unprotect.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { pair } from './pair.ts';
import type { Pair } from './pair.ts';

class FakeExchange implements Exchange {
  readonly request: CoapMessage;
  readonly peer = '127.0.0.1:5000';
  readonly security = null;
  responses: CoapResponse[] = [];
  notifications: CoapResponse[] = [];
  active = true;
  cancels: Array<() => void> = [];

  constructor(m: MessageContent) {
    this.request = { type: Type.CON, messageId: 7, token: new Uint8Array([1, 2]), ...m };
  }

  respond(r: CoapResponse): void {
    this.responses.push(r);
  }

  notify(r: CoapResponse): void {
    this.notifications.push(r);
  }

  onCancel(fn: () => void): void {
    this.cancels.push(fn);
  }
}

/** An inner handler that records what it saw and answers with a fixed response. */
function recorder(answer: (ex: Exchange) => void): RequestHandler & { seen: Exchange[] } {
  const seen: Exchange[] = [];
  return { seen, handle: (ex) => { seen.push(ex); answer(ex); } };
}

function setup(provider: (typeof PROVIDERS)[number]) {
  const p: Pair = pair(provider);
  const contexts = new ContextTable();
  contexts.add(p.server);
  const inner = recorder((ex) => ex.respond({ code: Code.Content, options: [], payload: utf8Encode('hello ' + ex.security?.contextId) }));
  const plain = recorder((ex) => ex.respond({ code: Code.Content, options: [], payload: utf8Encode('public') }));
  return { p, contexts, inner, plain, server: new OscoreServer(contexts, inner, plain) };
}

const get = (path: string): MessageContent => ({
  code: Method.GET, options: [{ number: Option.UriPath, value: utf8Encode(path) }], payload: new Uint8Array(0),
});

function run(server: OscoreServer, m: MessageContent): FakeExchange {
  const ex = new FakeExchange(m);
  server.handle(ex);
  return ex;
}

for (const provider of PROVIDERS) {
  test(`plain requests go to the plain handler, OSCORE ones verified to the inner one [${provider.name}]`, (t) => {
    const s = setup(provider);
    const plainEx = run(s.server, get('authz-info'));
    t.is(s.plain.seen.length, 1);
    t.is(s.plain.seen[0], plainEx);
    t.is(utf8Decode(plainEx.responses[0].payload), 'public');

    const sent = protectRequest(s.p.client.sender, get('lock'), false);
    const ex = run(s.server, sent.message);
    t.is(s.inner.seen.length, 1);
    const innerEx = s.inner.seen[0];
    t.deepEqual(innerEx.security, { scheme: 'oscore', contextId: s.p.server.name });
    t.is(innerEx.request.code, Method.GET);
    t.is(toHex(innerEx.request.token), '0102');
    t.is(innerEx.request.messageId, 7);
    t.is(utf8Decode(getOption(innerEx.request.options, Option.UriPath)!), 'lock');
    t.is(ex.responses.length, 1);
    const back = unprotectResponse(s.p.client.recipient, sent.binding, ex.responses[0]);
    t.is(utf8Decode(back.payload), 'hello ' + s.p.server.name);
  });

  test(`OSCORE errors are answered unprotected, with diagnostic text and Max-Age 0 [${provider.name}]`, (t) => {
    const s = setup(provider);
    const sent = protectRequest(s.p.client.sender, get('lock'), false);
    const check = (m: MessageContent, code: number, diagnostic: string) => {
      const ex = run(s.server, m);
      t.is(ex.responses.length, 1);
      const r = ex.responses[0];
      t.is(r.code, code);
      t.is(getOption(r.options, Option.Oscore), null);
      t.is(toHex(getOption(r.options, Option.MaxAge)!), '');
      t.is(utf8Decode(r.payload), diagnostic);
    };
    const tampered = { ...sent.message, payload: sent.message.payload.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    check(tampered, Code.BadRequest, 'Decryption failed');
    const withOscore = (value: Uint8Array) => ({
      ...sent.message, options: sent.message.options.map((o) => (o.number === Option.Oscore ? { number: o.number, value } : o)),
    });
    check(withOscore(new Uint8Array([0x09, 0x00, 0x07])), Code.Unauthorized, 'Security context not found');
    check(withOscore(new Uint8Array([0xe9, 0x00, 0x01])), Code.BadOption, 'Failed to decode COSE');
    // none of that changed the context: the genuine request is still accepted
    const ok = run(s.server, sent.message);
    t.is(unprotectResponse(s.p.client.recipient, sent.binding, ok.responses[0]).code, Code.Content);
  });

  test(`a replayed request gets 4.01 "Replay detected", unprotected [${provider.name}]`, (t) => {
    const s = setup(provider);
    const sent = protectRequest(s.p.client.sender, get('lock'), false);
    run(s.server, sent.message);
    const replay = run(s.server, sent.message);
    t.is(s.inner.seen.length, 1);
    t.is(replay.responses[0].code, Code.Unauthorized);
    t.is(getOption(replay.responses[0].options, Option.Oscore), null);
    t.is(utf8Decode(replay.responses[0].payload), 'Replay detected');
  });

  test(`after a reboot the first request gets a protected 4.01 with Echo [${provider.name}]`, (t) => {
    const s = setup(provider);
    const server = s.p.rebootServer();
    s.contexts.add(server);
    const first = protectRequest(s.p.client.sender, get('lock'), false);
    const ex = run(s.server, first.message);
    t.is(s.inner.seen.length, 0);
    const r = ex.responses[0];
    t.is(r.code, Code.Changed); // outer code of a protected response
    t.not(decodeOscoreOption(getOption(r.options, Option.Oscore)!).piv, null);
    const inner = unprotectResponse(s.p.client.recipient, first.binding, r);
    t.is(inner.code, Code.Unauthorized);
    const echo = getOption(inner.options, Option.Echo)!;
    const retry = protectRequest(s.p.client.sender, { ...get('lock'), options: [...get('lock').options, { number: Option.Echo, value: echo }] }, false);
    const ok = run(s.server, retry.message);
    t.is(s.inner.seen.length, 1);
    t.is(unprotectResponse(s.p.client.recipient, retry.binding, ok.responses[0]).code, Code.Content);
  });

  test(`inner handler errors are protected; notifications get their own Partial IV [${provider.name}]`, (t) => {
    const s = setup(provider);
    let innerEx: Exchange | null = null;
    const failing: RequestHandler = { handle: () => fail('forbidden', 'not in scope') };
    const observing: RequestHandler = {
      handle: (ex) => {
        innerEx = ex;
        ex.respond({ code: Code.Content, options: [{ number: Option.Observe, value: encodeUint(1) }], payload: utf8Encode('0') });
      },
    };
    let sent: ProtectedRequest = protectRequest(s.p.client.sender, get('lock'), false);
    const ex = run(new OscoreServer(s.contexts, failing, s.plain), sent.message);
    const r = unprotectResponse(s.p.client.recipient, sent.binding, ex.responses[0]);
    t.is(r.code, Code.Forbidden);

    sent = protectRequest(s.p.client.sender, { ...get('vitals'), options: [{ number: Option.Observe, value: new Uint8Array(0) }, ...get('vitals').options] }, false);
    const obs = run(new OscoreServer(s.contexts, observing, s.plain), sent.message);
    t.is(obs.responses[0].code, Code.Content);
    innerEx!.notify({ code: Code.Content, options: [{ number: Option.Observe, value: encodeUint(2) }], payload: utf8Encode('1') });
    innerEx!.respond({ code: Code.Content, options: [], payload: utf8Encode('ignored: second respond') });
    t.is(obs.responses.length, 1);
    t.is(obs.notifications.length, 1);
    const n = obs.notifications[0];
    t.is(toHex(getOption(n.options, Option.Observe)!), '02');
    t.not(decodeOscoreOption(getOption(n.options, Option.Oscore)!).piv, null);
    t.is(utf8Decode(unprotectResponse(s.p.client.recipient, sent.binding, obs.responses[0]).payload), '0');
    t.is(utf8Decode(unprotectResponse(s.p.client.recipient, sent.binding, n).payload), '1');
    // cancellation reaches the outer exchange
    let cancelled = false;
    innerEx!.onCancel(() => (cancelled = true));
    obs.cancels.forEach((fn) => fn());
    t.true(cancelled);
  });

  test(`an outer Block2 from a proxy is tolerated (dropped), Uri-Port outside kept [${provider.name}]`, (t) => {
    const s = setup(provider);
    const sent = protectRequest(s.p.client.sender, {
      ...get('big'), options: [{ number: Option.UriPort, value: encodeUint(5683) }, ...get('big').options, { number: Option.RequestTag, value: new Uint8Array([9]) }],
    }, false);
    const outer = { ...sent.message, options: [...sent.message.options, { number: Option.Block2, value: encodeUint(0x12) }] };
    run(s.server, outer);
    const seen = s.inner.seen[0].request;
    t.is(getOption(seen.options, Option.Block2), null);
    t.is(toHex(getOption(seen.options, Option.UriPort)!), '1633');
    t.is(toHex(getOption(seen.options, Option.RequestTag)!), '09');
  });
}
