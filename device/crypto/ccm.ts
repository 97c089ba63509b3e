/**
 * AES-CCM (RFC 3610) over a bare block encryption, so any AES can drive it: noble's AES block,
 * node's aes-128-ecb, or Espruino's native `AES.encrypt(..., {mode: "ECB"})` (Espruino's own
 * `AES.ccmEncrypt` passes no AAD, so it cannot compute COSE or OSCORE AES-CCM).
 *
 * Parameters as in RFC 3610 §2: tag length M (even, 4..16), length-field size L (2..8), nonce
 * 15-L bytes. Authentication is a CBC-MAC over B_0, the encoded AAD and the message (§2.2);
 * encryption is CTR with A_i, the first keystream block S_0 masking the tag (§2.3).
 */
import { fail } from '../errors.ts';
import { constantTimeEqual } from '../codec/bytes.ts';

/**
 * Encrypts one 16-byte block under a fixed key. CCM reads the result before its next call,
 * so an implementation may return the same output buffer every time.
 */
export type BlockEncrypt = (block: Uint8Array) => Uint8Array;

const BLOCK = 16;

/** Returns L, the size of the length field, after checking the nonce and tag lengths. */
function checkParams(nonce: Uint8Array, tagLength: number): number {
  const L = 15 - nonce.length;
  if (L < 2 || L > 8) fail('bad_request', 'CCM nonce must be 7 to 13 bytes');
  if (tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) {
    fail('unsupported_algorithm', 'CCM tag length must be even, 4 to 16');
  }
  return L;
}

/** A message must have fewer than 2^(8L) bytes (RFC 3610 §2.1). */
function fitsLengthField(length: number, L: number): boolean {
  let limit = 1;
  for (let i = 0; i < L; i++) limit *= 256; // exact, where Math.pow is not (Espruino)
  return L >= 7 || length < limit;
}

/** Writes n (a safe integer) big-endian into out[offset .. offset+width). */
function putUint(out: Uint8Array, offset: number, width: number, n: number): void {
  for (let i = offset + width - 1; i >= offset; i--) {
    out[i] = n % 256;
    n = Math.floor(n / 256);
  }
}

/** The encoding of l(a) that precedes the AAD (RFC 3610 §2.2); empty when there is no AAD. */
function aadLengthField(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  let out: Uint8Array;
  if (n < 0xff00) {
    out = new Uint8Array(2);
    putUint(out, 0, 2, n);
  } else if (n < 0x100000000) {
    out = new Uint8Array(6);
    out[0] = 0xff;
    out[1] = 0xfe;
    putUint(out, 2, 4, n);
  } else {
    out = new Uint8Array(10);
    out[0] = 0xff;
    out[1] = 0xff;
    putUint(out, 2, 8, n);
  }
  return out;
}

/** CBC-MAC state: X_i and how many bytes of the current block have been absorbed. */
interface MacState {
  encrypt: BlockEncrypt;
  x: Uint8Array;
  pos: number;
}

function absorb(st: MacState, data: Uint8Array): void {
  for (let i = 0; i < data.length; i++) {
    st.x[st.pos] ^= data[i];
    st.pos++;
    if (st.pos === BLOCK) {
      st.x.set(st.encrypt(st.x));
      st.pos = 0;
    }
  }
}

/** Zero padding to the block boundary: the padded bytes XOR as zeros, so just encrypt. */
function pad(st: MacState): void {
  if (st.pos === 0) return;
  st.x.set(st.encrypt(st.x));
  st.pos = 0;
}

/** The unmasked tag T: the first M bytes of the CBC-MAC (RFC 3610 §2.2). */
function cbcMac(encrypt: BlockEncrypt, nonce: Uint8Array, L: number, M: number,
  aad: Uint8Array, message: Uint8Array): Uint8Array {
  const b0 = new Uint8Array(BLOCK);
  b0[0] = (aad.length > 0 ? 0x40 : 0) | (((M - 2) / 2) << 3) | (L - 1);
  b0.set(nonce, 1);
  putUint(b0, 16 - L, L, message.length);
  const st: MacState = { encrypt: encrypt, x: new Uint8Array(BLOCK), pos: 0 };
  st.x.set(encrypt(b0));
  if (aad.length > 0) {
    absorb(st, aadLengthField(aad.length));
    absorb(st, aad);
    pad(st);
  }
  absorb(st, message);
  pad(st);
  return new Uint8Array(st.x.subarray(0, M));
}

/** Counter block A_i (RFC 3610 §2.3), written into a. */
function counterBlock(a: Uint8Array, nonce: Uint8Array, L: number, i: number): Uint8Array {
  a[0] = L - 1;
  a.set(nonce, 1);
  putUint(a, 16 - L, L, i);
  return a;
}

/** out = input XOR S_1 S_2 ... (the message part of CTR). */
function ctrXor(encrypt: BlockEncrypt, nonce: Uint8Array, L: number,
  input: Uint8Array, out: Uint8Array): void {
  const a = new Uint8Array(BLOCK);
  for (let offset = 0, i = 1; offset < input.length; offset += BLOCK, i++) {
    const s = encrypt(counterBlock(a, nonce, L, i));
    const end = Math.min(offset + BLOCK, input.length);
    for (let j = offset; j < end; j++) out[j] = input[j] ^ s[j - offset];
  }
}

/** U = T XOR first M bytes of S_0. */
function maskTag(encrypt: BlockEncrypt, nonce: Uint8Array, L: number, tag: Uint8Array): Uint8Array {
  const s0 = encrypt(counterBlock(new Uint8Array(BLOCK), nonce, L, 0));
  for (let i = 0; i < tag.length; i++) tag[i] ^= s0[i];
  return tag;
}

/** Returns ciphertext || tag (tagLength bytes). */
export function ccmEncrypt(encrypt: BlockEncrypt, nonce: Uint8Array, aad: Uint8Array,
  plaintext: Uint8Array, tagLength: number): Uint8Array {
  const L = checkParams(nonce, tagLength);
  if (!fitsLengthField(plaintext.length, L)) fail('too_large', 'message too long for the CCM length field');
  const tag = maskTag(encrypt, nonce, L, cbcMac(encrypt, nonce, L, tagLength, aad, plaintext));
  const out = new Uint8Array(plaintext.length + tagLength);
  ctrXor(encrypt, nonce, L, plaintext, out);
  out.set(tag, plaintext.length);
  return out;
}

/** Returns the plaintext, or null when the tag does not verify (or the input is too short to hold one). */
export function ccmDecrypt(encrypt: BlockEncrypt, nonce: Uint8Array, aad: Uint8Array,
  ciphertext: Uint8Array, tagLength: number): Uint8Array | null {
  const L = checkParams(nonce, tagLength);
  const length = ciphertext.length - tagLength;
  if (length < 0 || !fitsLengthField(length, L)) return null;
  const plaintext = new Uint8Array(length);
  ctrXor(encrypt, nonce, L, ciphertext.subarray(0, length), plaintext);
  const expected = maskTag(encrypt, nonce, L, cbcMac(encrypt, nonce, L, tagLength, aad, plaintext));
  if (!constantTimeEqual(expected, ciphertext.subarray(length))) {
    plaintext.fill(0); // never release unauthenticated plaintext
    return null;
  }
  return plaintext;
}
