/**
 * OSCORE requests and responses between a client and a server context (no network): option
 * classes, outer codes, Observe, failures that change nothing, Echo after a reboot (Appendix
 * B.1.2), sequence numbers across a client reboot (B.1.1), fuzzing of unprotect.
 */
import test from 'ava';
import fc from 'fast-check';
import { toHex, utf8Encode } from '../../device/codec/bytes.ts';
import type { CoapOption } from '../../device/coap/interfaces.ts';
import { encodeUint, getOption } from '../../device/coap/message.ts';
import { Method, Option } from '../../device/coap/numbers.ts';
import { encode as cborEncode } from '../../device/codec/cbor.ts';
import { Code, isCoreError } from '../../device/errors.ts';
import { MemoryStorage } from '../../device/storage.ts';
import { SecurityContext } from '../../device/oscore/context.ts';
import { decodeOscoreOption } from '../../device/oscore/option.ts';
import { protectRequest, protectResponse } from '../../device/oscore/protect.ts';
import type { MessageContent } from '../../device/oscore/protect.ts';
import { ContextTable } from '../../device/oscore/table.ts';
import { EchoRequired, unprotectResponse, verifyRequest } from '../../device/oscore/unprotect.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { hex } from '../helpers/vectors.ts';
import { kindOf } from './kind.ts';
import { inputs, pair } from './pair.ts';

const text = utf8Encode;
const opt = (number: number, value: Uint8Array | string): CoapOption => ({
  number, value: typeof value === 'string' ? text(value) : value,
});
const numbers = (options: CoapOption[]): number[] => options.map((o) => o.number);
const show = (m: MessageContent): string =>
  `${m.code}|${m.options.map((o) => `${o.number}=${toHex(o.value)}`).join(',')}|${toHex(m.payload)}`;

function table(...contexts: SecurityContext[]): ContextTable {
  const t = new ContextTable();
  for (const c of contexts) t.add(c);
  return t;
}

function verifyKind(lookup: ContextTable, m: MessageContent): string {
  return kindOf(() => verifyRequest(lookup, m));
}

const request: MessageContent = {
  code: Method.PUT,
  options: [
    opt(Option.UriHost, 'lock.local'),
    opt(Option.UriPort, encodeUint(5683)),
    opt(Option.UriPath, 'door'),
    opt(Option.UriPath, 'state'),
    opt(Option.ContentFormat, encodeUint(60)),
    opt(Option.UriQuery, 'force=1'),
    opt(Option.Block2, encodeUint(0x02)),
    opt(Option.Echo, hex('0102030405060708')),
    opt(Option.RequestTag, hex('aa')), // libcoap puts Request-Tag inside
  ],
  payload: text('locked'),
};

for (const provider of PROVIDERS) {
  for (const alg of [10, 1, 24]) {
    test(`round trip, option classes and outer codes, alg ${alg} [${provider.name}]`, (t) => {
      const p = pair(provider, alg);
      const sent = protectRequest(p.client.sender, request, false);
      t.is(sent.message.code, Method.POST);
      // only Class U options and OSCORE stay outside
      t.deepEqual(numbers(sent.message.options), [Option.UriHost, Option.UriPort, Option.Oscore]);
      t.false(toHex(sent.message.payload).includes(toHex(text('door'))));
      const header = decodeOscoreOption(getOption(sent.message.options, Option.Oscore)!);
      t.is(toHex(header.kid!), '01');
      t.is(toHex(header.piv!), '00');

      const verified = verifyRequest(table(p.server), sent.message);
      t.is(show(verified.request), show(request));
      t.is(verified.context, p.server);

      const response: MessageContent = {
        code: Code.Content,
        options: [opt(Option.ContentFormat, encodeUint(60)), opt(Option.MaxAge, encodeUint(30))],
        payload: text('{"locked":true}'),
      };
      const out = protectResponse(p.server.sender, verified.binding, response, false);
      t.is(out.code, Code.Changed);
      t.deepEqual(numbers(out.options), [Option.Oscore]);
      t.is(getOption(out.options, Option.Oscore)!.length, 0); // nonce of the request, no Partial IV
      t.is(show(unprotectResponse(p.client.recipient, sent.binding, out)), show(response));
    });
  }

  test(`Observe: FETCH and 2.05 outside, notifications with their own Partial IV, in order only [${provider.name}]`, (t) => {
    const p = pair(provider);
    const registration: MessageContent = {
      code: Method.GET, options: [opt(Option.Observe, new Uint8Array(0)), opt(Option.UriPath, 'vitals')], payload: new Uint8Array(0),
    };
    const sent = protectRequest(p.client.sender, registration, false);
    t.is(sent.message.code, Method.FETCH);
    t.deepEqual(numbers(sent.message.options), [Option.Observe, Option.Oscore]);
    const verified = verifyRequest(table(p.server), sent.message);
    t.true(verified.binding.observe);
    t.is(show(verified.request), show(registration));

    const note = (seq: number, body: string): MessageContent => ({
      code: Code.Content, options: [opt(Option.Observe, encodeUint(seq))], payload: text(body),
    });
    const first = protectResponse(p.server.sender, verified.binding, note(1, 'a'), false);
    t.is(first.code, Code.Content);
    t.is(toHex(getOption(first.options, Option.Observe)!), '01'); // outer Observe keeps the value
    const n2 = protectResponse(p.server.sender, verified.binding, note(2, 'b'), true);
    const n3 = protectResponse(p.server.sender, verified.binding, note(3, 'c'), true);
    t.not(decodeOscoreOption(getOption(n2.options, Option.Oscore)!).piv, null);

    const got = unprotectResponse(p.client.recipient, sent.binding, first);
    t.is(getOption(got.options, Option.Observe)!.length, 0); // the inner Observe is empty
    t.is(unprotectResponse(p.client.recipient, sent.binding, n3).payload[0], 'c'.charCodeAt(0));
    // older or replayed notifications are refused, and refusing changes nothing
    t.is(kindOf(() => unprotectResponse(p.client.recipient, sent.binding, n2)), 'oscore_replay');
    t.is(kindOf(() => unprotectResponse(p.client.recipient, sent.binding, n3)), 'oscore_replay');
    t.is(kindOf(() => unprotectResponse(p.client.recipient, sent.binding, first)), 'oscore_replay');
    const n4 = protectResponse(p.server.sender, verified.binding, note(4, 'd'), true);
    t.is(unprotectResponse(p.client.recipient, sent.binding, n4).payload[0], 'd'.charCodeAt(0));
    // a final response without Observe ends the observation
    const last = protectResponse(p.server.sender, verified.binding, { code: Code.NotFound, options: [], payload: new Uint8Array(0) }, true);
    t.is(last.code, Code.Changed);
    t.is(unprotectResponse(p.client.recipient, sent.binding, last).code, Code.NotFound);
    t.is(kindOf(() => unprotectResponse(p.client.recipient, sent.binding, n4)), 'oscore_replay');
  });

  test(`a response nonce is never reused: a second response gets its own Partial IV [${provider.name}]`, (t) => {
    const p = pair(provider);
    const sent = protectRequest(p.client.sender, { code: Method.GET, options: [], payload: new Uint8Array(0) }, false);
    const verified = verifyRequest(table(p.server), sent.message);
    const r = { code: Code.Content, options: [], payload: text('x') };
    const a = protectResponse(p.server.sender, verified.binding, r, false);
    const b = protectResponse(p.server.sender, verified.binding, r, false);
    t.is(getOption(a.options, Option.Oscore)!.length, 0);
    t.not(decodeOscoreOption(getOption(b.options, Option.Oscore)!).piv, null);
    t.not(toHex(a.payload), toHex(b.payload));
    // the client takes exactly one response to a request
    t.is(unprotectResponse(p.client.recipient, sent.binding, b).payload[0], 'x'.charCodeAt(0));
    t.is(kindOf(() => unprotectResponse(p.client.recipient, sent.binding, a)), 'oscore_replay');
  });

  test(`failed requests change nothing: window, sequence numbers, storage [${provider.name}]`, (t) => {
    const p = pair(provider);
    const lookup = table(p.server);
    const sent = protectRequest(p.client.sender, request, false);
    const m = sent.message;
    const storage = p.serverStorage as MemoryStorage;
    const writes = storage.writes;
    const serverNext = p.server.sender.sequence.next;

    const tampered = { ...m, payload: m.payload.slice() };
    tampered.payload[3] ^= 1;
    t.is(verifyKind(lookup, tampered), 'oscore_decrypt_failed');
    t.is(verifyKind(lookup, { ...m, payload: m.payload.subarray(0, 8) }), 'oscore_decrypt_failed');
    t.is(verifyKind(lookup, { ...m, payload: new Uint8Array(0) }), 'bad_option');
    const withOption = (value: Uint8Array): MessageContent => ({
      ...m, options: m.options.map((o) => (o.number === Option.Oscore ? { number: Option.Oscore, value } : o)),
    });
    t.is(verifyKind(lookup, withOption(hex('090101'))), 'oscore_decrypt_failed'); // another Partial IV: other nonce
    t.is(verifyKind(lookup, withOption(hex('090002'))), 'oscore_context_not_found'); // unknown kid
    t.is(verifyKind(lookup, withOption(hex('190008aabbccddeeff001101'))), 'oscore_context_not_found'); // wrong kid context
    t.is(verifyKind(lookup, withOption(hex('2900'))), 'bad_option'); // reserved flag
    t.is(verifyKind(lookup, withOption(hex('0801'))), 'bad_option'); // no Partial IV in a request
    t.is(verifyKind(lookup, withOption(hex('01'))), 'bad_option'); // truncated
    t.is(verifyKind(table(), m), 'oscore_context_not_found');
    // a context with other keys under the same kid fails to decrypt
    const other = new SecurityContext(provider, { ...inputs(10).server, masterSecret: hex('ff'.repeat(16)) },
      { storage: new MemoryStorage(), storageKey: 's' });
    t.is(verifyKind(table(other), m), 'oscore_decrypt_failed');

    t.true(p.server.recipient.window.check(0));
    t.is(p.server.sender.sequence.next, serverNext);
    t.is(storage.writes, writes);
    // the genuine request still verifies once, then is a replay
    t.is(verifyKind(lookup, m), 'ok');
    t.is(verifyKind(lookup, m), 'oscore_replay');
  });

  test(`requests out of order inside the window accepted, replays and too old refused [${provider.name}]`, (t) => {
    const p = pair(provider);
    const lookup = table(p.server);
    const get = { code: Method.GET, options: [], payload: new Uint8Array(0) };
    const sent = [];
    for (let i = 0; i < 40; i++) sent.push(protectRequest(p.client.sender, get, false).message);
    t.is(verifyKind(lookup, sent[39]), 'ok');
    t.is(verifyKind(lookup, sent[20]), 'ok');
    t.is(verifyKind(lookup, sent[8]), 'ok'); // 39 - 8 = 31: the oldest inside a window of 32
    t.is(verifyKind(lookup, sent[7]), 'oscore_replay'); // too old
    t.is(verifyKind(lookup, sent[20]), 'oscore_replay');
    t.is(verifyKind(lookup, sent[39]), 'oscore_replay');
  });

  test(`Echo after a server reboot (Appendix B.1.2) [${provider.name}]`, (t) => {
    const p = pair(provider);
    const get = { code: Method.GET, options: [opt(Option.UriPath, 'lock')], payload: new Uint8Array(0) };
    const before = protectRequest(p.client.sender, get, false);
    t.is(verifyKind(table(p.server), before.message), 'ok');
    const serverSeqBefore = p.server.sender.sequence.next;

    const server = p.rebootServer();
    const lookup = table(server);
    t.false(server.recipient.window.initialised);
    t.true(server.sender.sequence.next >= serverSeqBefore);
    // the request from before the reboot is not accepted: it gets the Echo challenge
    t.is(verifyKind(lookup, before.message), 'oscore_echo_required');

    const first = protectRequest(p.client.sender, get, false);
    let challenge: MessageContent | null = null;
    try {
      verifyRequest(lookup, first.message);
    } catch (e) {
      t.true(e instanceof EchoRequired);
      challenge = (e as EchoRequired).response;
    }
    t.truthy(challenge);
    // protected, under the server's own Partial IV
    t.not(decodeOscoreOption(getOption(challenge!.options, Option.Oscore)!).piv, null);
    const answer = unprotectResponse(p.client.recipient, first.binding, challenge!);
    t.is(answer.code, Code.Unauthorized);
    t.is(answer.payload.length, 0);
    const echo = getOption(answer.options, Option.Echo)!;
    t.is(echo.length, 8);

    // a wrong Echo value is not enough
    const wrong = protectRequest(p.client.sender, { ...get, options: [...get.options, opt(Option.Echo, hex('0000000000000000'))] }, false);
    t.is(verifyKind(lookup, wrong.message), 'oscore_echo_required');
    t.false(server.recipient.window.initialised);

    const retry = protectRequest(p.client.sender, { ...get, options: [...get.options, opt(Option.Echo, echo)] }, false);
    const verified = verifyRequest(lookup, retry.message);
    t.is(toHex(getOption(verified.request.options, Option.Echo)!), toHex(echo));
    t.true(server.recipient.window.initialised);
    // now everything up to the retried request is refused, newer ones accepted
    t.is(verifyKind(lookup, retry.message), 'oscore_replay');
    t.is(verifyKind(lookup, wrong.message), 'oscore_replay');
    t.is(verifyKind(lookup, first.message), 'oscore_replay');
    t.is(verifyKind(lookup, before.message), 'oscore_replay');
    t.is(verifyKind(lookup, protectRequest(p.client.sender, get, false).message), 'ok');
  });

  test(`client sequence numbers survive a client reboot (Appendix B.1.1) [${provider.name}]`, (t) => {
    const p = pair(provider, 10, 4);
    const lookup = table(p.server);
    const get = { code: Method.GET, options: [], payload: new Uint8Array(0) };
    const seen = new Set<number>();
    for (let boot = 0; boot < 5; boot++) {
      for (let i = 0; i < 3 + boot; i++) {
        const sent = protectRequest(p.client.sender, get, false);
        t.false(seen.has(sent.binding.seq));
        seen.add(sent.binding.seq);
        t.is(verifyKind(lookup, sent.message), 'ok');
      }
      p.rebootClient();
    }
  });

  test(`sender sequence numbers end below 2^40 [${provider.name}]`, (t) => {
    const storage = new MemoryStorage();
    storage.write('seq', cborEncode(2 ** 40 - 1));
    const ctx = new SecurityContext(provider, inputs(10).client, { storage, storageKey: 'seq' });
    const get = { code: Method.GET, options: [], payload: new Uint8Array(0) };
    const last = protectRequest(ctx.sender, get, false);
    t.is(toHex(decodeOscoreOption(getOption(last.message.options, Option.Oscore)!).piv!), 'ffffffffff');
    t.is(kindOf(() => protectRequest(ctx.sender, get, false)), 'internal');
  });

  test(`kid context is sent when asked, and selects the context [${provider.name}]`, (t) => {
    const idContext = hex('37cbf3210017a2d3');
    const p = pair(provider, 10, 16, idContext);
    const q = pair(provider, 10, 16, hex('00'));
    const get = { code: Method.GET, options: [], payload: new Uint8Array(0) };
    const sent = protectRequest(p.client.sender, get, true);
    t.is(toHex(decodeOscoreOption(getOption(sent.message.options, Option.Oscore)!).kidContext!), toHex(idContext));
    // both contexts share the Recipient ID: the kid context picks the right one
    t.is(verifyRequest(table(q.server, p.server), sent.message).context, p.server);
  });

  test(`fuzz: unprotecting arbitrary input yields only CoreErrors and changes nothing [${provider.name}]`, (t) => {
    const p = pair(provider);
    const lookup = table(p.server);
    const valid = protectRequest(p.client.sender, request, false);
    const response = fc.record({
      optionValue: fc.uint8Array({ maxLength: 24 }),
      payload: fc.uint8Array({ maxLength: 64 }),
      extra: fc.array(fc.record({ number: fc.integer({ min: 0, max: 300 }), value: fc.uint8Array({ maxLength: 4 }) }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(response, (r) => {
        const options = [...r.extra.filter((o) => o.number !== Option.Oscore), { number: Option.Oscore, value: r.optionValue }]
          .sort((a, b) => a.number - b.number);
        const m = { code: Method.POST, options, payload: r.payload };
        for (const fn of [() => verifyRequest(lookup, m), () => unprotectResponse(p.client.recipient, valid.binding, m)]) {
          try {
            fn();
            return false; // random bytes never verify
          } catch (e) {
            if (!isCoreError(e)) return false;
          }
        }
        return p.server.recipient.window.check(0) && !valid.binding.finished;
      }),
      { numRuns: 3000 },
    );
    // single-byte corruptions of a genuine request never verify, and leave its number unused
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (pos, xor, inOption) => {
        const m = valid.message;
        const oscore = getOption(m.options, Option.Oscore)!;
        const target = inOption ? oscore.slice() : m.payload.slice();
        target[pos % target.length] ^= xor;
        const bad = inOption
          ? { ...m, options: m.options.map((o) => (o.number === Option.Oscore ? { number: o.number, value: target } : o)) }
          : { ...m, payload: target };
        const kind = verifyKind(lookup, bad);
        return kind !== 'ok' && kind !== 'not a CoreError' && p.server.recipient.window.check(0);
      }),
      { numRuns: 2000 },
    );
    t.is(verifyKind(lookup, valid.message), 'ok');
  });
}
