/**
 * HMAC (RFC 2104) over a bare hash function with 64-byte blocks (SHA-1, SHA-256), so a board
 * with only a native hash (Espruino's `require("crypto").SHA256`) still gets HMAC and HKDF.
 */

export type HashFunction = (data: Uint8Array) => Uint8Array;
export type MacFunction = (key: Uint8Array, data: Uint8Array) => Uint8Array;

const BLOCK = 64; // B of RFC 2104 §2 for SHA-1 and SHA-256
const IPAD = 0x36;
const OPAD = 0x5c;

/** H(K XOR opad || H(K XOR ipad || data)); keys longer than B are hashed first. */
export function hmac(hash: HashFunction, key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = key.length > BLOCK ? hash(key) : key;
  const inner = new Uint8Array(BLOCK + data.length);
  const outerPad = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    const b = i < k.length ? k[i] : 0;
    inner[i] = b ^ IPAD;
    outerPad[i] = b ^ OPAD;
  }
  inner.set(data, BLOCK);
  const innerHash = hash(inner);
  inner.fill(0, 0, BLOCK); // key material
  const outer = new Uint8Array(BLOCK + innerHash.length);
  outer.set(outerPad);
  outer.set(innerHash, BLOCK);
  outerPad.fill(0);
  const mac = hash(outer);
  outer.fill(0, 0, BLOCK);
  return mac;
}

/** Binds a hash into a MacFunction. */
export function hmacOver(hash: HashFunction): MacFunction {
  return function (key: Uint8Array, data: Uint8Array): Uint8Array {
    return hmac(hash, key, data);
  };
}
