/**
 * A one-line description of a CoAP datagram as an observer on the radio sees it: type, code,
 * path, OSCORE, Observe, Block2, message ID. Under OSCORE the path and the real method are
 * encrypted, so the label shows only the outer message, which is what the chart should show.
 */
import { decode, decodeUint, getOption, uriPath } from '../../device/coap/message.ts';
import { Option, Type } from '../../device/coap/numbers.ts';
import { decodeBlock } from '../../device/coap/block.ts';

const TYPES = ['CON', 'NON', 'ACK', 'RST'];
const METHODS = ['', 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'];

export function codeText(code: number): string {
  return (code >> 5) + '.' + String(code & 31).padStart(2, '0');
}

/** Type and message ID straight from the header, without a full decode; null if not CoAP. */
export function peekHeader(d: Uint8Array): { type: number; messageId: number; code: number } | null {
  if (d.length < 4 || d[0] >> 6 !== 1) return null;
  return { type: (d[0] >> 4) & 3, code: d[1], messageId: (d[2] << 8) | d[3] };
}

export function coapLabel(d: Uint8Array): string {
  let m;
  try {
    m = decode(d);
  } catch {
    return 'not CoAP (' + d.length + ' B)';
  }
  const parts = [TYPES[m.type]];
  if (m.code !== 0) parts.push(m.code >> 5 === 0 ? METHODS[m.code] || codeText(m.code) : codeText(m.code));
  const path = uriPath(m.options);
  if (path !== '/' && path !== '') parts.push(path);
  if (getOption(m.options, Option.Oscore) !== null) parts.push('[OSCORE]');
  const observe = getOption(m.options, Option.Observe);
  if (observe !== null) parts.push('obs=' + decodeUint(observe));
  const block2 = getOption(m.options, Option.Block2);
  if (block2 !== null) parts.push('b2#' + decodeBlock(block2).num);
  if (m.code === 0 && m.type === Type.RST) parts.push('(reset)');
  parts.push('mid ' + m.messageId);
  return parts.join(' ');
}
