/**
 * Verifying requests (RFC 8613 §8.2, with Appendix B.1.2's Echo recovery) and responses
 * (§8.4, §8.4.2 and §7.4.1 for notifications).
 *
 * Every failure is a CoreError, and a failure changes nothing: the replay window, the
 * notification number and the binding only move after the message verified and decoded.
 *
 *   malformed OSCORE option or plaintext  'bad_option'                4.02 "Failed to decode COSE"
 *   no context for kid / kid context      'oscore_context_not_found'  4.01 "Security context not found"
 *   Partial IV seen or too old            'oscore_replay'             4.01 "Replay detected"
 *   AEAD tag does not verify              'oscore_decrypt_failed'     4.00 "Decryption failed"
 *   window lost in a reboot               EchoRequired                protected 4.01 + Echo
 * The first four are answered unprotected (§8.3: OSCORE errors skip OSCORE processing).
 */
import { constantTimeEqual } from '../codec/bytes.ts';
import { CoreError, Code, fail } from '../errors.ts';
import { getOption } from '../coap/message.ts';
import { Option } from '../coap/numbers.ts';
import { buildAad } from './aad.ts';
import { mergeOptions } from './classes.ts';
import type { RecipientContext, SecurityContext } from './context.ts';
import { decodePiv, nonceFor } from './nonce.ts';
import { decodeOscoreOption } from './option.ts';
import { decodePlaintext } from './plaintext.ts';
import type { Plain } from './plaintext.ts';
import { RequestBinding, isObserveRegistration, protectResponse } from './protect.ts';
import type { MessageContent } from './protect.ts';

/** Finds the context a request names (§8.2 step 2); the ACE layer registers them. */
export interface ContextLookup {
  /** The context whose Recipient ID is kid and, when kidContext is given, whose ID Context it is. */
  find(kid: Uint8Array, kidContext: Uint8Array | null): SecurityContext | null;
}

/** Length of the Echo values this server makes (RFC 9175 §2.2.1 allows 1-40 bytes). */
const ECHO_LENGTH = 8;

/**
 * The request verified, but the server lost its replay window in a reboot and cannot tell
 * whether it is fresh (Appendix B.1.2). Carries its answer: a protected 4.01 with only an
 * Echo option, under the server's own Partial IV.
 */
export class EchoRequired extends CoreError {
  readonly response: MessageContent;

  constructor(response: MessageContent) {
    super('oscore_echo_required', 'request freshness unknown after a reboot: Echo required');
    this.response = response;
  }
}

export interface VerifiedRequest {
  /** The decrypted request: inner Code, inner options plus the outer Class U ones, payload. */
  request: MessageContent;
  binding: RequestBinding;
  context: SecurityContext;
}

function decrypt(recipient: RecipientContext, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  // A plaintext holds at least the Code (§5.3).
  if (ciphertext.length < recipient.tagLength + 1) fail('oscore_decrypt_failed', 'ciphertext too short');
  const plaintext = recipient.provider.aeadDecrypt(recipient.alg, recipient.key, nonce, aad, ciphertext);
  if (plaintext === null) fail('oscore_decrypt_failed', 'AEAD verification failed');
  return plaintext as Uint8Array;
}

function checkInner(plain: Plain, isResponse: boolean): void {
  if (getOption(plain.options, Option.Oscore) !== null) fail('bad_option', 'nested OSCORE option');
  const cls = plain.code >> 5;
  if (isResponse ? cls < 2 || cls > 5 : cls !== 0) fail('bad_option', 'inner Code of the wrong kind');
}

/** §8.2: verifies an OSCORE request (one carrying the OSCORE option). */
export function verifyRequest(lookup: ContextLookup, message: MessageContent): VerifiedRequest {
  const value = getOption(message.options, Option.Oscore);
  if (value === null) return fail('internal', 'not an OSCORE request');
  // §2: an OSCORE message without payload is malformed.
  if (message.payload.length === 0) fail('bad_option', 'OSCORE request without payload');
  const header = decodeOscoreOption(value);
  if (header.piv === null || header.kid === null) fail('bad_option', 'OSCORE request without Partial IV or kid');
  const piv = header.piv as Uint8Array;
  const context = lookup.find(header.kid as Uint8Array, header.kidContext);
  if (context === null) return fail('oscore_context_not_found', 'no security context for this kid');
  const recipient = context.recipient;
  const seq = decodePiv(piv);
  const window = recipient.window;
  if (window.initialised && !window.check(seq)) fail('oscore_replay', 'sequence number already seen or too old');

  const aad = buildAad(recipient.aadPrefix, piv);
  const nonce = nonceFor(recipient.nonceBase, piv);
  const plain = decodePlaintext(decrypt(recipient, nonce, aad, message.payload));
  checkInner(plain, false);
  const binding = new RequestBinding(seq, aad, nonce, isObserveRegistration(plain.options));

  if (!window.initialised) {
    // Appendix B.1.2: only a request echoing our challenge is known to be fresh.
    const echo = getOption(plain.options, Option.Echo);
    const challenge = recipient.echoChallenge;
    if (challenge === null || echo === null || !constantTimeEqual(echo, challenge)) {
      throw new EchoRequired(echoResponse(context, binding));
    }
    window.resetTo(seq);
    recipient.echoChallenge = null;
  } else window.accept(seq);

  return {
    request: { code: plain.code, options: mergeOptions(plain.options, message.options), payload: plain.payload },
    binding: binding,
    context: context,
  };
}

/** The protected 4.01 carrying only Echo, under the server's own Partial IV (Appendix B.1.2). */
function echoResponse(context: SecurityContext, binding: RequestBinding): MessageContent {
  const recipient = context.recipient;
  if (recipient.echoChallenge === null) recipient.echoChallenge = recipient.provider.randomBytes(ECHO_LENGTH);
  const response: MessageContent = {
    code: Code.Unauthorized,
    options: [{ number: Option.Echo, value: recipient.echoChallenge as Uint8Array }],
    payload: new Uint8Array(0),
  };
  return protectResponse(context.sender, binding, response, true);
}

/**
 * §8.4: verifies a response to the bound request. A notification (inner Observe) must be
 * newer than every one accepted before (§7.4.1; at most one may lack a Partial IV); any other
 * response ends the binding, so a second one is refused as a replay.
 */
export function unprotectResponse(recipient: RecipientContext, binding: RequestBinding,
  message: MessageContent): MessageContent {
  if (binding.finished) fail('oscore_replay', 'request already answered');
  const value = getOption(message.options, Option.Oscore);
  if (value === null) return fail('bad_option', 'response is not OSCORE-protected');
  if (message.payload.length === 0) fail('bad_option', 'OSCORE response without payload');
  const header = decodeOscoreOption(value);
  if (header.kid !== null && !constantTimeEqual(header.kid, recipient.id)) fail('oscore_decrypt_failed', 'response kid is not the peer');
  if (header.kidContext !== null) fail('bad_option', 'kid context in a response is not supported');

  let seq = -1;
  let nonce = binding.nonce;
  if (header.piv !== null) {
    seq = decodePiv(header.piv);
    nonce = nonceFor(recipient.nonceBase, header.piv);
  }
  const plain = decodePlaintext(decrypt(recipient, nonce, binding.aad, message.payload));
  checkInner(plain, true);

  const isNotification = binding.observe && getOption(plain.options, Option.Observe) !== null;
  if (!binding.observe && getOption(plain.options, Option.Observe) !== null) {
    fail('bad_option', 'Observe in a response to a request without Observe'); // §4.1.3.5.2
  }
  if (isNotification) {
    if (seq < 0) {
      // the one without Partial IV counts as the oldest (§4.1.3.5.2)
      if (binding.unnumberedSeen || binding.notificationNumber >= 0) fail('oscore_replay', 'stale notification without Partial IV');
      binding.unnumberedSeen = true;
    } else {
      if (seq <= binding.notificationNumber) fail('oscore_replay', 'notification older than one already accepted');
      binding.notificationNumber = seq;
    }
  } else binding.finished = true;
  return { code: plain.code, options: mergeOptions(plain.options, message.options), payload: plain.payload };
}
