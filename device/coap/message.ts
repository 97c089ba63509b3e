/**
 * CoAP message codec (RFC 7252 §3) and option helpers.
 *
 *   0                   1                   2                   3
 *   |Ver| T |  TKL  |      Code     |          Message ID           |
 *   |   Token (TKL bytes) ... | Options ... | 0xFF | Payload ...
 *
 * Decoding is strict and returns views into the datagram (no copies). Every malformed
 * input throws a MessageFormatError (a CoreError 'bad_request') that also carries the
 * type and message ID when the header could be read, so the endpoint can answer as
 * §4.2/§4.3 say: a malformed CON gets a Reset, anything else is silently ignored.
 */
import { CoreError, fail } from '../errors.ts';
import { utf8Decode, utf8Encode } from '../codec/bytes.ts';
import type { CoapMessage, CoapOption } from './interfaces.ts';
import { OPTION_FORMATS, Option } from './numbers.ts';

const VERSION = 1;
const PAYLOAD_MARKER = 0xff;
/** Option delta/length nibbles 13 and 14 announce 1 and 2 extension bytes (§3.1). */
const EXT8 = 13;
const EXT16 = 14;
const EXT16_BASE = 269;
const MAX_EXT_VALUE = EXT16_BASE + 0xffff;

/** A shared zero-length array for absent tokens and payloads (nothing can be written into it). */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** A message format error (§3, §4.1); type is -1 when the header itself was unreadable. */
export class MessageFormatError extends CoreError {
  readonly type: number;
  readonly messageId: number;

  constructor(message: string, type: number, messageId: number) {
    super('bad_request', message);
    this.type = type;
    this.messageId = messageId;
  }
}

// ---------------------------------------------------------------- decode

/** Reads an extended option delta or length (§3.1); -1 for the reserved nibble 15 or truncation. */
function readExtended(d: Uint8Array, nibble: number, pos: number): number {
  if (nibble < EXT8) return nibble;
  if (nibble === EXT8) return pos < d.length ? d[pos] + EXT8 : -1;
  if (nibble === EXT16) return pos + 1 < d.length ? ((d[pos] << 8) | d[pos + 1]) + EXT16_BASE : -1;
  return -1;
}

function extendedSize(nibble: number): number {
  return nibble === EXT8 ? 1 : nibble === EXT16 ? 2 : 0;
}

/** Decodes one datagram. Token, option values and payload are views into `d`. */
export function decode(d: Uint8Array): CoapMessage {
  if (d.length < 4) throw new MessageFormatError('shorter than the 4-byte header', -1, 0);
  const b0 = d[0];
  if (b0 >> 6 !== VERSION) throw new MessageFormatError('unknown version', -1, 0);
  const type = (b0 >> 4) & 3;
  const tkl = b0 & 15;
  const code = d[1];
  const messageId = (d[2] << 8) | d[3];
  if (tkl > 8) throw new MessageFormatError('token length 9-15 is reserved', type, messageId);
  if (code === 0 && d.length !== 4) throw new MessageFormatError('empty message with content', type, messageId);
  let pos = 4 + tkl;
  if (pos > d.length) throw new MessageFormatError('truncated token', type, messageId);
  const token = tkl === 0 ? EMPTY_BYTES : d.subarray(4, pos);
  const options: CoapOption[] = [];
  let payload = EMPTY_BYTES;
  let number = 0;
  while (pos < d.length) {
    const b = d[pos++];
    if (b === PAYLOAD_MARKER) {
      if (pos === d.length) throw new MessageFormatError('payload marker without payload', type, messageId);
      payload = d.subarray(pos);
      break;
    }
    const delta = readExtended(d, b >> 4, pos);
    pos += extendedSize(b >> 4);
    const length = readExtended(d, b & 15, pos);
    pos += extendedSize(b & 15);
    if (delta < 0 || length < 0) throw new MessageFormatError('reserved or truncated option header', type, messageId);
    if (pos + length > d.length) throw new MessageFormatError('truncated option value', type, messageId);
    number += delta;
    options.push({ number: number, value: d.subarray(pos, pos + length) });
    pos += length;
  }
  return { type: type, code: code, messageId: messageId, token: token, options: options, payload: payload };
}

// ---------------------------------------------------------------- encode

function headerSize(n: number): number {
  return n < EXT8 ? 0 : n < EXT16_BASE ? 1 : 2;
}

function nibble(n: number): number {
  return n < EXT8 ? n : n < EXT16_BASE ? EXT8 : EXT16;
}

function writeExtended(out: Uint8Array, pos: number, n: number): number {
  if (n < EXT8) return pos;
  if (n < EXT16_BASE) {
    out[pos] = n - EXT8;
    return pos + 1;
  }
  out[pos] = (n - EXT16_BASE) >> 8;
  out[pos + 1] = (n - EXT16_BASE) & 0xff;
  return pos + 2;
}

function isUint(n: number, max: number): boolean {
  return n >= 0 && n <= max && n % 1 === 0;
}

function isSorted(options: CoapOption[]): boolean {
  for (let i = 1; i < options.length; i++) if (options[i].number < options[i - 1].number) return false;
  return true;
}

/** A stably sorted copy (insertion sort: lists are short, and repeated options keep their order). */
function sortedCopy(options: CoapOption[]): CoapOption[] {
  const out = options.slice();
  for (let i = 1; i < out.length; i++) {
    const o = out[i];
    let j = i - 1;
    while (j >= 0 && out[j].number > o.number) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = o;
  }
  return out;
}

/**
 * Encodes a message from its parts (sorting the options when needed) into a fresh array.
 * Invalid parts are the caller's bug: CoreError 'internal'.
 */
export function encodeParts(
  type: number,
  code: number,
  messageId: number,
  token: Uint8Array,
  options: CoapOption[],
  payload: Uint8Array,
): Uint8Array {
  if (!isUint(type, 3) || !isUint(code, 255) || !isUint(messageId, 0xffff)) fail('internal', 'CoAP header field out of range');
  if (token.length > 8) fail('internal', 'CoAP token longer than 8 bytes');
  if (code === 0 && (token.length > 0 || options.length > 0 || payload.length > 0)) fail('internal', 'Empty message with content');
  const opts = isSorted(options) ? options : sortedCopy(options);
  let size = 4 + token.length;
  let prev = 0;
  for (let i = 0; i < opts.length; i++) {
    const delta = opts[i].number - prev;
    const length = opts[i].value.length;
    if (!isUint(delta, MAX_EXT_VALUE)) fail('internal', 'CoAP option number out of range');
    if (length > MAX_EXT_VALUE) fail('internal', 'CoAP option value too long');
    size += 1 + headerSize(delta) + headerSize(length) + length;
    prev = opts[i].number;
  }
  if (payload.length > 0) size += 1 + payload.length;
  const out = new Uint8Array(size);
  out[0] = (VERSION << 6) | (type << 4) | token.length;
  out[1] = code;
  out[2] = messageId >> 8;
  out[3] = messageId & 0xff;
  out.set(token, 4);
  let pos = 4 + token.length;
  prev = 0;
  for (let i = 0; i < opts.length; i++) {
    const delta = opts[i].number - prev;
    const value = opts[i].value;
    out[pos++] = (nibble(delta) << 4) | nibble(value.length);
    pos = writeExtended(out, pos, delta);
    pos = writeExtended(out, pos, value.length);
    out.set(value, pos);
    pos += value.length;
    prev = opts[i].number;
  }
  if (payload.length > 0) {
    out[pos++] = PAYLOAD_MARKER;
    out.set(payload, pos);
  }
  return out;
}

export function encode(m: CoapMessage): Uint8Array {
  return encodeParts(m.type, m.code, m.messageId, m.token, m.options, m.payload);
}

/** An Empty message (ACK or RST) for a message ID (§4.1). */
export function emptyMessage(type: number, messageId: number): Uint8Array {
  const out = new Uint8Array(4);
  out[0] = (VERSION << 6) | (type << 4);
  out[2] = messageId >> 8;
  out[3] = messageId & 0xff;
  return out;
}

/** A 2.xx code (RFC 7252 §5.9.1). */
export function isSuccess(code: number): boolean {
  return code >> 5 === 2;
}

// ---------------------------------------------------------------- option properties (§5.4.6)

export function isCritical(option: number): boolean {
  return (option & 1) === 1;
}

export function isUnsafe(option: number): boolean {
  return (option & 2) === 2;
}

export function isNoCacheKey(option: number): boolean {
  return (option & 0x1e) === 0x1c;
}

/**
 * The first option a server must refuse with 4.02 Bad Option (§5.4.1), or -1: a critical
 * option that is not understood, or that breaks its format (§5.4.3 length, §5.4.5 repeats).
 * Elective options that break their format are left for the reader to ignore.
 * `options` are in wire order (sorted), as decode returns them.
 */
export function findBadOption(options: CoapOption[], understood: { [option: number]: boolean }): number {
  for (let i = 0; i < options.length; i++) {
    const n = options[i].number;
    if ((n & 1) === 0) continue;
    if (understood[n] !== true) return n;
    const f = OPTION_FORMATS[n];
    if (f === undefined) continue;
    const length = options[i].value.length;
    if (length < f.min || length > f.max) return n;
    if (!f.repeatable && i > 0 && options[i - 1].number === n) return n;
  }
  return -1;
}

// ---------------------------------------------------------------- get / set / remove

/** The first value of an option, or null. */
export function getOption(options: CoapOption[], number: number): Uint8Array | null {
  for (let i = 0; i < options.length; i++) if (options[i].number === number) return options[i].value;
  return null;
}

/** All values of an option, in order. */
export function getOptions(options: CoapOption[], number: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < options.length; i++) if (options[i].number === number) out.push(options[i].value);
  return out;
}

export function hasOption(options: CoapOption[], number: number): boolean {
  return getOption(options, number) !== null;
}

/** Removes every instance of an option, in place; returns how many there were. */
export function removeOption(options: CoapOption[], number: number): number {
  let kept = 0;
  for (let i = 0; i < options.length; i++) if (options[i].number !== number) options[kept++] = options[i];
  const removed = options.length - kept;
  options.splice(kept, options.length - kept); // not length = kept: Espruino throws on that
  return removed;
}

/** Adds one instance after any existing ones of that number, keeping the list sorted. */
export function addOption(options: CoapOption[], number: number, value: Uint8Array): CoapOption[] {
  let i = options.length;
  while (i > 0 && options[i - 1].number > number) i--;
  options.splice(i, 0, { number: number, value: value });
  return options;
}

/** Replaces all instances of an option with one. */
export function setOption(options: CoapOption[], number: number, value: Uint8Array): CoapOption[] {
  removeOption(options, number);
  return addOption(options, number, value);
}

// ---------------------------------------------------------------- uint values (§3.2)

/** Minimal-length big-endian encoding: 0 is the empty string. */
export function encodeUint(n: number): Uint8Array {
  if (!isUint(n, 0xffffffff)) fail('internal', 'uint option value out of range');
  const length = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : n > 0 ? 1 : 0;
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = n & 0xff;
    n = (n - (n & 0xff)) / 256;
  }
  return out;
}

/** Decodes a uint value of up to 4 bytes; leading zero bytes are accepted (§3.2). */
export function decodeUint(value: Uint8Array): number {
  if (value.length > 4) fail('bad_request', 'uint option value longer than 4 bytes');
  let n = 0;
  for (let i = 0; i < value.length; i++) n = n * 256 + value[i];
  return n;
}

/** The first value of a uint option, or null when absent. */
export function getUintOption(options: CoapOption[], number: number): number | null {
  const v = getOption(options, number);
  return v === null ? null : decodeUint(v);
}

// ---------------------------------------------------------------- Uri-Path (§6.5)

function segmentText(value: Uint8Array): string {
  let s = '';
  let special = false; // '%' or '/', which need escaping
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c >= 0x80) {
      try {
        s = utf8Decode(value);
      } catch (e) {
        fail('bad_request', 'Uri-Path is not UTF-8');
      }
      return escapeSegment(s);
    }
    if (c === 0x25 || c === 0x2f) special = true;
    s += String.fromCharCode(c);
  }
  return special ? escapeSegment(s) : s;
}

/** '/' and '%' inside one segment are escaped so a joined path stays unambiguous (RFC 3986 §2.1). */
function escapeSegment(s: string): string {
  if (s.indexOf('%') >= 0) s = s.split('%').join('%25');
  if (s.indexOf('/') >= 0) s = s.split('/').join('%2F');
  return s;
}

/** The request path: "/" and the Uri-Path segments joined by "/" ("/" when there are none). */
export function uriPath(options: CoapOption[]): string {
  let path = '';
  for (let i = 0; i < options.length; i++) {
    if (options[i].number === Option.UriPath) path += '/' + segmentText(options[i].value);
  }
  return path === '' ? '/' : path;
}

/** The segments of a path string ("/a/b" or "a/b"; "%2F" and "%25" unescaped within segments). */
export function splitPath(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i === 0 && parts[i] === '') continue;
    out.push(parts[i].split('%2F').join('/').split('%25').join('%'));
  }
  if (out.length === 1 && out[0] === '') return [];
  return out;
}

/** A path in the form uriPath() gives: "lock" and "/lock/" become "/lock" and "/lock/". */
export function normalizePath(path: string): string {
  const segments = splitPath(path);
  let out = '';
  for (let i = 0; i < segments.length; i++) out += '/' + escapeSegment(segments[i]);
  return out === '' ? '/' : out;
}

/** Replaces the Uri-Path options with the segments of `path`. */
export function setUriPath(options: CoapOption[], path: string): CoapOption[] {
  removeOption(options, Option.UriPath);
  const segments = splitPath(path);
  for (let i = 0; i < segments.length; i++) addOption(options, Option.UriPath, utf8Encode(segments[i]));
  return options;
}
