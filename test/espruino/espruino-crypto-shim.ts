/**
 * A Node stand-in for Espruino's `require("crypto")` with the same API shape: SHA256 returns an
 * ArrayBuffer, AES.encrypt(data, key, {mode}) returns an ArrayBuffer (ECB only, no padding).
 * Used by the provider tests and as the "crypto" module of the sandbox test.
 */
import * as nc from 'node:crypto';

function toArrayBuffer(b: Buffer): ArrayBuffer {
  const out = new ArrayBuffer(b.length);
  new Uint8Array(out).set(b);
  return out;
}

function bytesOf(data: ArrayLike<number> | ArrayBuffer | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'latin1');
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data));
  return Buffer.from(Uint8Array.prototype.slice.call(data as Uint8Array));
}

export const espruinoCryptoShim = {
  SHA256(data: ArrayLike<number> | string): ArrayBuffer {
    return toArrayBuffer(nc.createHash('sha256').update(bytesOf(data)).digest());
  },
  AES: {
    encrypt(data: ArrayLike<number>, key: ArrayLike<number>, options: { mode: string }): ArrayBuffer {
      if (!options || options.mode !== 'ECB') throw new Error('shim: only ECB');
      const k = bytesOf(key);
      const c = nc.createCipheriv(`aes-${k.length * 8}-ecb`, k, null);
      c.setAutoPadding(false);
      return toArrayBuffer(Buffer.concat([c.update(bytesOf(data)), c.final()]));
    },
  },
};
