/**
 * Which options go inside the ciphertext and which stay outside (RFC 8613 §4.1, Figure 5).
 *
 *   Class U only (outer): Uri-Host, Uri-Port, OSCORE, Proxy-Uri, Proxy-Scheme, and Hop-Limit
 *     (RFC 8768 §3). Everything else, unknown options included, is Class E (§4.1): Echo and
 *     Request-Tag too (RFC 9175).
 *   Both E and U: Observe, Max-Age, Block1/2, Size1/2, No-Response. The sender puts them
 *     inside; only Observe is also copied outside (§4.1.3.5), the outer Block, Size, Max-Age
 *     and No-Response instances being for proxies (§4.1.3).
 *
 * A receiver discards every outer option that has an E column (§8.2 and §8.4 step 1), so an
 * outer Block option added by a proxy, or a stray outer Request-Tag, is simply dropped.
 */
import { fail } from '../errors.ts';
import type { CoapOption } from '../coap/interfaces.ts';
import { addOption } from '../coap/message.ts';
import { Option } from '../coap/numbers.ts';

export function isOuterOnly(option: number): boolean {
  return option === Option.UriHost || option === Option.UriPort || option === Option.Oscore ||
    option === Option.ProxyUri || option === Option.ProxyScheme || option === Option.HopLimit;
}

/** The original message's options, split for sending. */
export interface SplitOptions {
  inner: CoapOption[];
  outer: CoapOption[];
}

/**
 * Splits the options of an original message (§4.1.1, §4.1.2). Observe goes both ways; a
 * notification's inner Observe is empty (§4.1.3.5.2). Nested OSCORE is refused (§4.1.3.7);
 * Proxy-Uri must have been decomposed by the caller (§4.1.3.3).
 */
export function splitOptions(options: CoapOption[], isResponse: boolean): SplitOptions {
  const inner: CoapOption[] = [];
  const outer: CoapOption[] = [];
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (o.number === Option.Oscore) fail('internal', 'message is already OSCORE-protected');
    if (o.number === Option.ProxyUri) fail('bad_request', 'decompose Proxy-Uri before protecting');
    if (isOuterOnly(o.number)) outer.push(o);
    else if (o.number === Option.Observe) {
      outer.push(o);
      inner.push(isResponse ? { number: Option.Observe, value: new Uint8Array(0) } : o);
    } else inner.push(o);
  }
  return { inner: inner, outer: outer };
}

/** The decrypted message's options: the inner ones plus the outer Class U ones it lacks (§8.2 step 7). */
export function mergeOptions(inner: CoapOption[], outer: CoapOption[]): CoapOption[] {
  const out = inner.slice();
  for (let i = 0; i < outer.length; i++) {
    const n = outer[i].number;
    if (n === Option.Oscore || !isOuterOnly(n)) continue;
    if (hasNumber(inner, n)) continue;
    addOption(out, n, outer[i].value);
  }
  return out;
}

function hasNumber(options: CoapOption[], n: number): boolean {
  for (let i = 0; i < options.length; i++) if (options[i].number === n) return true;
  return false;
}
