import test from 'ava';
import fc from 'fast-check';
import { CoreError } from '../../device/errors.ts';
import type { CoapOption } from '../../device/coap/interfaces.ts';
import { decode, encode, encodeParts } from '../../device/coap/message.ts';
import { hex, loadVectors } from '../helpers/vectors.ts';

const seeds: Uint8Array[] = [];
for (const v of loadVectors('rfc8613-oscore.json').message_protection) {
  seeds.push(hex(v.unprotected_coap_message), hex(v.protected_coap_message));
}

/** decode either returns a message or throws a CoreError; the time spent is bounded by the input. */
function decodeOrCoreError(bytes: Uint8Array): boolean {
  try {
    const m = decode(bytes);
    // what decodes re-encodes to the same bytes: the option encoding is unique (§3.1)
    return Buffer.compare(encode(m), bytes) === 0;
  } catch (e) {
    return e instanceof CoreError && e.kind === 'bad_request';
  }
}

test('decode of random bytes never throws anything but CoreError', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodeOrCoreError), { numRuns: 20000 });
  t.pass();
});

test('decode of random bytes behind a valid header', (t) => {
  const header = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 255 }));
  fc.assert(
    fc.property(header, fc.uint8Array({ maxLength: 200 }), (h, rest) => {
      const bytes = new Uint8Array(4 + rest.length);
      bytes[0] = 0x40 | (h[0] << 4) | h[1];
      bytes[1] = h[2];
      bytes.set(rest, 4);
      return decodeOrCoreError(bytes);
    }),
    { numRuns: 20000 },
  );
  t.pass();
});

test('decode of mutated valid messages (byte flips, truncation, insertion)', (t) => {
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    edits: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  });
  fc.assert(
    fc.property(mutation, (m) => {
      let bytes = Array.from(seeds[m.seed]);
      for (const [kind, where, value] of m.edits) {
        const i = where % (bytes.length + 1);
        if (kind === 0 && i < bytes.length) bytes[i] = value;
        else if (kind === 1) bytes = bytes.slice(0, i);
        else bytes.splice(i, 0, value);
      }
      return decodeOrCoreError(new Uint8Array(bytes));
    }),
    { numRuns: 20000 },
  );
  t.pass();
});

test('a huge datagram of options decodes in linear time', (t) => {
  // 60,000 zero-length options: every byte is one option header
  const bytes = new Uint8Array(60004);
  bytes[0] = 0x40;
  bytes[1] = 1;
  const start = process.hrtime.bigint();
  const m = decode(bytes);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.is(m.options.length, 60000);
  t.true(ms < 500, 'decoded in ' + ms + ' ms');
});

const optionArb: fc.Arbitrary<CoapOption> = fc.record({
  number: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 65535 })),
  value: fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ minLength: 250, maxLength: 400 })),
});

test('encode -> decode round trip of arbitrary messages', (t) => {
  const message = fc.record({
    type: fc.integer({ min: 0, max: 3 }),
    code: fc.integer({ min: 1, max: 255 }),
    messageId: fc.integer({ min: 0, max: 0xffff }),
    token: fc.uint8Array({ maxLength: 8 }),
    options: fc.array(optionArb, { maxLength: 8 }),
    payload: fc.uint8Array({ maxLength: 64 }),
  });
  fc.assert(
    fc.property(message, (m) => {
      const d = decode(encodeParts(m.type, m.code, m.messageId, m.token, m.options, m.payload));
      // the expected order: stable sort by number
      const sorted = m.options.map((o, i) => ({ o, i })).sort((a, b) => a.o.number - b.o.number || a.i - b.i);
      return (
        d.type === m.type &&
        d.code === m.code &&
        d.messageId === m.messageId &&
        Buffer.compare(d.token, m.token) === 0 &&
        Buffer.compare(d.payload, m.payload) === 0 &&
        d.options.length === sorted.length &&
        d.options.every((o, i) => o.number === sorted[i].o.number && Buffer.compare(o.value, sorted[i].o.value) === 0)
      );
    }),
    { numRuns: 5000 },
  );
  t.pass();
});
