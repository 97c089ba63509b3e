import test from 'ava';
import { CoreError } from '../../device/errors.ts';
import { toHex } from '../../device/codec/bytes.ts';
import {
  MessageFormatError,
  addOption,
  decode,
  decodeUint,
  emptyMessage,
  encode,
  encodeParts,
  encodeUint,
  findBadOption,
  getOption,
  getOptions,
  isCritical,
  isNoCacheKey,
  isUnsafe,
  normalizePath,
  removeOption,
  setOption,
  setUriPath,
  splitPath,
  uriPath,
} from '../../device/coap/message.ts';
import { Option, Type } from '../../device/coap/numbers.ts';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { opt, text, throwsCore } from './helpers.ts';

const oscore = loadVectors('rfc8613-oscore.json');

test('RFC 8613 C.4-C.8: every CoAP message decodes and re-encodes byte for byte', (t) => {
  let n = 0;
  for (const v of oscore.message_protection) {
    for (const field of ['unprotected_coap_message', 'protected_coap_message']) {
      const bytes = hex(v[field]);
      const m = decode(bytes);
      t.is(toHex(encode(m)), v[field], v.source + ' ' + field);
      n++;
    }
  }
  t.is(n, 10);
});

test('RFC 8613 C.4: the request fields', (t) => {
  const v = oscore.message_protection[0];
  const m = decode(hex(v.unprotected_coap_message));
  t.is(m.type, Type.CON);
  t.is(m.code, 1); // GET
  t.is(m.messageId, 0x5d1f);
  t.is(toHex(m.token), '00003974');
  t.deepEqual(
    m.options.map((o) => [o.number, text(o.value)]),
    [
      [Option.UriHost, 'localhost'],
      [Option.UriPath, 'tv1'],
    ],
  );
  t.is(uriPath(m.options), '/tv1');
  t.is(m.payload.length, 0);
  const p = decode(hex(v.protected_coap_message));
  t.is(p.code, 2); // POST
  t.is(toHex(getOption(p.options, Option.Oscore) as Uint8Array), v.oscore_option_value);
});

test('RFC 8613 C.7: response with an empty OSCORE option and a payload', (t) => {
  const v = oscore.message_protection[3];
  const m = decode(hex(v.unprotected_coap_message));
  t.is(m.type, Type.ACK);
  t.is(m.code, 0x45);
  t.is(text(m.payload), 'Hello World!');
  const p = decode(hex(v.protected_coap_message));
  t.is(p.code, 0x44);
  t.deepEqual(getOption(p.options, Option.Oscore), new Uint8Array(0));
});

// RFC 7252 Appendix A, Figure 16: CON GET /temperature, MID 0x7d34, no token; ACK 2.05 "22.3 C".
test('RFC 7252 Figure 16: the request and its piggybacked response, bit for bit from the figure', (t) => {
  const req = encodeParts(Type.CON, 1, 0x7d34, new Uint8Array(0), [opt(Option.UriPath, 'temperature')], new Uint8Array(0));
  t.is(toHex(req), '40017d34' + 'bb' + Buffer.from('temperature').toString('hex'));
  const res = encodeParts(Type.ACK, 0x45, 0x7d34, new Uint8Array(0), [], Buffer.from('22.3 C'));
  t.is(toHex(res), '60457d34' + 'ff' + Buffer.from('22.3 C').toString('hex'));
  t.is(uriPath(decode(req).options), '/temperature');
});

test('option delta and length use the 1- and 2-byte extensions (§3.1)', (t) => {
  const long = new Uint8Array(300).fill(7);
  const mid = new Uint8Array(20).fill(9);
  const bytes = encodeParts(Type.NON, 1, 1, new Uint8Array([1, 2]), [opt(12, []), opt(60, mid), opt(2000, long)], new Uint8Array([1]));
  // Content-Format: delta 12 length 0
  t.is(bytes[6], 0xc0);
  // Size1 (60): delta 48 -> nibble 13, ext 35; length 20 -> nibble 13, ext 7
  t.deepEqual([...bytes.subarray(7, 10)], [0xdd, 35, 7]);
  // 2000: delta 1940 -> nibble 14, ext 1940-269; length 300 -> nibble 14, ext 31
  const at = 10 + 20;
  t.deepEqual([...bytes.subarray(at, at + 5)], [0xee, (1940 - 269) >> 8, (1940 - 269) & 0xff, 0, 31]);
  const m = decode(bytes);
  t.deepEqual(
    m.options.map((o) => [o.number, o.value.length]),
    [
      [12, 0],
      [60, 20],
      [2000, 300],
    ],
  );
  t.deepEqual(m.payload, new Uint8Array([1]));
});

test('encode sorts options by number and keeps repeated options in order', (t) => {
  const bytes = encodeParts(Type.CON, 1, 9, new Uint8Array(0), [opt(15, 'b=2'), opt(11, 'x'), opt(15, 'a=1'), opt(11, 'y'), opt(3, 'h')], new Uint8Array(0));
  const m = decode(bytes);
  t.deepEqual(
    m.options.map((o) => o.number + ':' + text(o.value)),
    ['3:h', '11:x', '11:y', '15:b=2', '15:a=1'],
  );
});

test('Empty messages: ACK and RST are 4 bytes', (t) => {
  t.is(toHex(emptyMessage(Type.ACK, 0x1234)), '60001234');
  t.is(toHex(emptyMessage(Type.RST, 0xbeef)), '7000beef');
  const m = decode(emptyMessage(Type.RST, 7));
  t.is(m.type, Type.RST);
  t.is(m.code, 0);
});

function formatError(t: import('ava').ExecutionContext, bytes: number[], type: number, mid: number): void {
  const e = throwsCore(t, () => decode(new Uint8Array(bytes))) as MessageFormatError;
  t.true(e instanceof CoreError);
  t.true(e instanceof MessageFormatError);
  t.is(e.kind, 'bad_request');
  t.is(e.code, 0x80);
  t.is(e.type, type, e.message);
  if (type >= 0) t.is(e.messageId, mid);
}

test('malformed messages throw MessageFormatError with the type and message ID', (t) => {
  formatError(t, [], -1, 0);
  formatError(t, [0x40, 0x01, 0x00], -1, 0); // shorter than a header
  formatError(t, [0x80, 0x01, 0x00, 0x01], -1, 0); // version 2
  formatError(t, [0x00, 0x01, 0x00, 0x01], -1, 0); // version 0
  formatError(t, [0x49, 0x01, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9], Type.CON, 0x1234); // TKL 9
  formatError(t, [0x5f, 0x01, 0x12, 0x35], Type.NON, 0x1235); // TKL 15
  formatError(t, [0x42, 0x01, 0x00, 0x02, 0xaa], Type.CON, 2); // truncated token
  formatError(t, [0x40, 0x01, 0x00, 0x03, 0xf1, 0x00], Type.CON, 3); // delta nibble 15
  formatError(t, [0x40, 0x01, 0x00, 0x04, 0x1f], Type.CON, 4); // length nibble 15
  formatError(t, [0x40, 0x01, 0x00, 0x05, 0xd0], Type.CON, 5); // truncated 1-byte delta
  formatError(t, [0x40, 0x01, 0x00, 0x06, 0xe0, 0x01], Type.CON, 6); // truncated 2-byte delta
  formatError(t, [0x40, 0x01, 0x00, 0x07, 0x1d], Type.CON, 7); // truncated 1-byte length
  formatError(t, [0x40, 0x01, 0x00, 0x08, 0xb3, 0x61, 0x62], Type.CON, 8); // truncated value
  formatError(t, [0x40, 0x01, 0x00, 0x09, 0xff], Type.CON, 9); // marker, empty payload
  formatError(t, [0x41, 0x00, 0x00, 0x0a, 0x01], Type.CON, 10); // Empty with a token
  formatError(t, [0x60, 0x00, 0x00, 0x0b, 0xff, 0x01], Type.ACK, 11); // Empty with a payload
});

test('encode refuses what it cannot put on the wire with CoreError internal', (t) => {
  const z = new Uint8Array(0);
  for (const f of [
    () => encodeParts(4, 1, 1, z, [], z),
    () => encodeParts(0, 256, 1, z, [], z),
    () => encodeParts(0, 1, 0x10000, z, [], z),
    () => encodeParts(0, 1, 1.5, z, [], z),
    () => encodeParts(0, 1, 1, new Uint8Array(9), [], z),
    () => encodeParts(0, 0, 1, new Uint8Array(1), [], z),
    () => encodeParts(0, 1, 1, z, [opt(-1, [])], z),
    () => encodeParts(0, 1, 1, z, [opt(70000, [])], z),
    () => encodeParts(0, 1, 1, z, [opt(1, new Uint8Array(65805))], z),
  ]) {
    const e = throwsCore(t, f);
    t.is(e.kind, 'internal');
  }
});

test('uint values: minimal encoding, leading zeros accepted (§3.2)', (t) => {
  t.deepEqual([...encodeUint(0)], []);
  t.deepEqual([...encodeUint(1)], [1]);
  t.deepEqual([...encodeUint(255)], [255]);
  t.deepEqual([...encodeUint(256)], [1, 0]);
  t.deepEqual([...encodeUint(0x10000)], [1, 0, 0]);
  t.deepEqual([...encodeUint(0xffffffff)], [255, 255, 255, 255]);
  t.is(decodeUint(new Uint8Array([0, 0, 1, 2])), 258);
  t.is(decodeUint(new Uint8Array([255, 255, 255, 255])), 0xffffffff);
  t.is(decodeUint(new Uint8Array(0)), 0);
  t.is(throwsCore(t, () => decodeUint(new Uint8Array(5))).kind, 'bad_request');
  t.is(throwsCore(t, () => encodeUint(-1)).kind, 'internal');
  t.is(throwsCore(t, () => encodeUint(2 ** 32)).kind, 'internal');
});

test('get / set / add / remove keep the list sorted', (t) => {
  const options = [opt(11, 'a'), opt(12, [60])];
  addOption(options, 11, new Uint8Array([0x62]));
  addOption(options, 3, new Uint8Array([0x68]));
  addOption(options, 60, new Uint8Array([1]));
  t.deepEqual(
    options.map((o) => o.number),
    [3, 11, 11, 12, 60],
  );
  t.deepEqual(getOptions(options, 11).map(text), ['a', 'b']);
  setOption(options, 11, new Uint8Array([0x7a]));
  t.deepEqual(getOptions(options, 11).map(text), ['z']);
  t.is(removeOption(options, 11), 1);
  t.is(getOption(options, 11), null);
  t.deepEqual(
    options.map((o) => o.number),
    [3, 12, 60],
  );
});

test('option properties from the number (§5.4.6)', (t) => {
  t.true(isCritical(Option.IfMatch));
  t.false(isCritical(Option.ETag));
  t.true(isCritical(Option.UriHost) && isUnsafe(Option.UriHost));
  t.true(isUnsafe(Option.MaxAge) && !isCritical(Option.MaxAge));
  t.true(isNoCacheKey(Option.Size1));
  t.true(isNoCacheKey(Option.Size2));
  t.false(isNoCacheKey(Option.ContentFormat));
  t.true(isCritical(Option.Oscore) && !isUnsafe(Option.Oscore));
  t.false(isCritical(Option.Observe));
});

test('findBadOption: unknown critical, bad length, repeated non-repeatable', (t) => {
  const understood: { [n: number]: boolean } = { 3: true, 11: true };
  t.is(findBadOption([opt(3, 'h'), opt(11, 'a'), opt(11, 'b')], understood), -1);
  t.is(findBadOption([opt(4, [1]), opt(2048, [])], understood), -1); // electives are the reader's
  t.is(findBadOption([opt(11, 'a'), opt(15, 'q')], understood), 15);
  t.is(findBadOption([opt(3, '')], understood), 3); // Uri-Host is 1-255 bytes
  t.is(findBadOption([opt(3, 'a'), opt(3, 'b')], understood), 3);
  t.is(findBadOption([opt(65001, [])], { 65001: true }), -1); // understood, no format known
});

test('Uri-Path joins and splits, escaping "/" and "%" inside segments', (t) => {
  t.is(uriPath([]), '/');
  t.is(uriPath([opt(11, 'a'), opt(11, 'b c')]), '/a/b c');
  t.is(uriPath([opt(11, 'a/b'), opt(11, '100%')]), '/a%2Fb/100%25');
  t.is(uriPath([opt(11, 'grüße')]), '/grüße');
  t.is(throwsCore(t, () => uriPath([opt(11, [0xc3])])).kind, 'bad_request');
  t.deepEqual(splitPath('/a%2Fb/100%25'), ['a/b', '100%']);
  t.deepEqual(splitPath('/'), []);
  t.deepEqual(splitPath(''), []);
  t.deepEqual(splitPath('lock'), ['lock']);
  t.is(normalizePath('lock'), '/lock');
  t.is(normalizePath('/'), '/');
  const options = [opt(3, 'h')];
  setUriPath(options, '/x/a%2Fb/grüße');
  t.is(uriPath(options), '/x/a%2Fb/grüße');
  t.deepEqual(getOptions(options, 11).map(text), ['x', 'a/b', 'grüße']);
});
