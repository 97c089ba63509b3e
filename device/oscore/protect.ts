/**
 * Protecting requests (RFC 8613 §8.1) and responses (§8.3, §8.3.1) with a SenderContext.
 *
 * The original message is {code, options, payload}; type, Message ID and token belong to the
 * messaging layer and pass through untouched. The OSCORE message gets the outer Code (POST or
 * FETCH for requests, 2.04 or 2.05 for responses, §4.2 and §4.1.3.5), the Class U options, an
 * outer copy of Observe, the OSCORE option and the ciphertext as payload.
 */
import { fail } from '../errors.ts';
import type { CoapOption, CoapResponse } from '../coap/interfaces.ts';
import { addOption, getOption } from '../coap/message.ts';
import { Method, Option } from '../coap/numbers.ts';
import { Code } from '../errors.ts';
import { buildAad } from './aad.ts';
import { splitOptions } from './classes.ts';
import type { SenderContext } from './context.ts';
import { encodePiv, nonceFor } from './nonce.ts';
import { encodeOscoreOption } from './option.ts';
import { encodePlaintext } from './plaintext.ts';

/** A request or response without its messaging-layer fields. */
export type MessageContent = CoapResponse;

/**
 * What ties responses to their request (§7.1, §8): the request's AAD, which every response to
 * it shares (same request_kid and request_piv), and its nonce, which one response may reuse.
 * Kept by both sides until the last response (for Observe, until the observation ends).
 */
export class RequestBinding {
  /** Whether a response already used the request nonce; later ones get their own Partial IV. */
  nonceUsed = false;
  /** Client side (§7.4.1): the highest Partial IV of the notifications accepted, -1 for none. */
  notificationNumber = -1;
  /** Client side: a notification without Partial IV was accepted (at most one is, §7.4.1). */
  unnumberedSeen = false;
  /** Client side: the final response was accepted; nothing more is. */
  finished = false;

  constructor(
    /** The request's sequence number (its Partial IV as a number). */
    readonly seq: number,
    readonly aad: Uint8Array,
    readonly nonce: Uint8Array,
    /** The request registers an observation (Observe 0): notifications may follow. */
    readonly observe: boolean,
  ) {}
}

export interface ProtectedRequest {
  message: MessageContent;
  binding: RequestBinding;
}

/** Observe 0 (RFC 7641 §2): the request registers an observation. */
export function isObserveRegistration(options: CoapOption[]): boolean {
  const v = getOption(options, Option.Observe);
  if (v === null) return false;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

/** §8.1: takes a fresh sequence number and protects the request. */
export function protectRequest(sender: SenderContext, request: MessageContent, sendKidContext: boolean): ProtectedRequest {
  if (!(request.code >= 1 && request.code <= 31)) fail('internal', 'not a request code');
  return sealRequest(sender, request, sender.sequence.take(), sendKidContext);
}

/** §8.1 with a given sequence number (protectRequest takes one; the RFC vectors give one). */
export function sealRequest(sender: SenderContext, request: MessageContent, seq: number,
  sendKidContext: boolean): ProtectedRequest {
  const split = splitOptions(request.options, false);
  const piv = encodePiv(seq);
  const nonce = nonceFor(sender.nonceBase, piv);
  const aad = buildAad(sender.aadPrefix, piv);
  const plaintext = encodePlaintext(request.code, split.inner, request.payload);
  const ciphertext = sender.provider.aeadEncrypt(sender.alg, sender.key, nonce, aad, plaintext);
  const kidContext = sendKidContext ? sender.idContext : null;
  addOption(split.outer, Option.Oscore, encodeOscoreOption(piv, kidContext, sender.id));
  const hasObserve = getOption(request.options, Option.Observe) !== null;
  return {
    message: { code: hasObserve ? Method.FETCH : Method.POST, options: split.outer, payload: ciphertext },
    binding: new RequestBinding(seq, aad, nonce, isObserveRegistration(request.options)),
  };
}

/**
 * §8.3: protects a response to the bound request. With ownPiv false the request nonce is
 * reused, but only once per request: later responses (notifications) always get their own
 * Partial IV, so a nonce never repeats under the sender key (Appendix D.4).
 */
export function protectResponse(sender: SenderContext, binding: RequestBinding, response: MessageContent,
  ownPiv: boolean): MessageContent {
  if (!(response.code >= 64 && response.code <= 191)) fail('internal', 'not a response code');
  const fresh = ownPiv || binding.nonceUsed;
  let piv: Uint8Array | null = null;
  let nonce = binding.nonce;
  if (fresh) {
    piv = encodePiv(sender.sequence.take());
    nonce = nonceFor(sender.nonceBase, piv);
  }
  const split = splitOptions(response.options, true);
  const plaintext = encodePlaintext(response.code, split.inner, response.payload);
  const ciphertext = sender.provider.aeadEncrypt(sender.alg, sender.key, nonce, binding.aad, plaintext);
  if (!fresh) binding.nonceUsed = true;
  addOption(split.outer, Option.Oscore, encodeOscoreOption(piv, null, null));
  const isNotification = getOption(response.options, Option.Observe) !== null;
  return { code: isNotification ? Code.Content : Code.Changed, options: split.outer, payload: ciphertext };
}
