/**
 * The COSE plaintext (RFC 8613 §5.3, Figure 9): Code, the Class E options, and the payload
 * after a 0xFF marker when there is one. It is a CoAP message minus the 4-byte header and
 * token, so the CoAP codec writes and reads it: encoding drops the header but its last byte,
 * which becomes the Code; decoding puts a header back in front.
 */
import { fail } from '../errors.ts';
import type { CoapOption } from '../coap/interfaces.ts';
import { EMPTY_BYTES, decode, encodeParts } from '../coap/message.ts';

export interface Plain {
  code: number;
  options: CoapOption[];
  payload: Uint8Array;
}

export function encodePlaintext(code: number, options: CoapOption[], payload: Uint8Array): Uint8Array {
  if (!(code > 0 && code <= 255)) fail('internal', 'plaintext needs a non-empty Code');
  // header (4 bytes, empty token) + options + payload; the Message ID's low byte becomes the Code
  const message = encodeParts(0, code, 0, EMPTY_BYTES, options, payload);
  message[3] = code;
  return message.subarray(3);
}

/** Decodes a plaintext; a malformed one is 'bad_option' ("Failed to decode COSE", §8.2). */
export function decodePlaintext(plaintext: Uint8Array): Plain {
  if (plaintext.length === 0 || plaintext[0] === 0) fail('bad_option', 'OSCORE plaintext without a Code');
  const message = new Uint8Array(plaintext.length + 3);
  message[0] = 0x40; // version 1, CON, no token
  message[1] = plaintext[0];
  message.set(plaintext.subarray(1), 4);
  try {
    const m = decode(message);
    return { code: m.code, options: m.options, payload: m.payload };
  } catch (e) {
    return fail('bad_option', 'malformed OSCORE plaintext');
  }
}
