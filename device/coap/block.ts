/**
 * Block-wise transfer of response payloads, Block2 (RFC 7959). The option value is a uint
 * NUM << 4 | M << 3 | SZX, block size 2^(SZX+4) (§2.2). The server answers a GET whose
 * representation is larger than its block size (or than the one the client asks for) one
 * block at a time, with Size2 (§4) and an ETag so the client can tell when the
 * representation changed between blocks (§2.4).
 */
import { fail } from '../errors.ts';
import type { CoapOption, CoapResponse } from './interfaces.ts';
import { decodeUint, encodeUint, getOption, setOption } from './message.ts';
import { BLOCK_SZX_MAX, Option } from './numbers.ts';

export interface BlockValue {
  num: number;
  more: boolean;
  szx: number;
}

export function decodeBlock(value: Uint8Array): BlockValue {
  if (value.length > 3) fail('bad_request', 'block option longer than 3 bytes');
  const v = decodeUint(value);
  const szx = v & 7;
  if (szx > BLOCK_SZX_MAX) fail('bad_request', 'block size exponent 7 is reserved');
  return { num: v >> 4, more: (v & 8) !== 0, szx: szx };
}

export function encodeBlock(num: number, more: boolean, szx: number): Uint8Array {
  if (!(num >= 0 && num < 0x100000) || num % 1 !== 0 || !(szx >= 0 && szx <= BLOCK_SZX_MAX)) fail('internal', 'block value out of range');
  return encodeUint(num * 16 + (more ? 8 : 0) + szx);
}

export function blockSize(szx: number): number {
  return 1 << (szx + 4);
}

/** The SZX of a block size (16, 32, ..., 1024). */
export function szxOf(size: number): number {
  for (let szx = 0; szx <= BLOCK_SZX_MAX; szx++) if (blockSize(szx) === size) return szx;
  return fail('internal', 'block size must be a power of two from 16 to 1024');
}

/** The Block2 option of a request, or null. */
export function requestedBlock2(options: CoapOption[]): BlockValue | null {
  const v = getOption(options, Option.Block2);
  return v === null ? null : decodeBlock(v);
}

/** FNV-1a 32 (no Math.imul on Espruino: x * 16777619 mod 2^32 = x * 403 + (x & 255) << 24). */
export function etagOf(payload: Uint8Array): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < payload.length; i++) {
    const x = (h ^ payload[i]) >>> 0;
    h = (x * 403 + (x & 0xff) * 16777216) >>> 0;
  }
  return new Uint8Array([h >>> 24, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff]);
}

/**
 * The block of a 2.xx response the request asks for (or block 0 when the payload is larger
 * than `szx` allows and no block was asked for); the response itself when no blocking is needed.
 * A block past the end is 4.00, as aiocoap answers it.
 */
export function sliceBlock2(r: CoapResponse, requested: BlockValue | null, szx: number): CoapResponse {
  const size = r.payload.length;
  let num = 0;
  if (requested !== null) {
    if (requested.szx <= szx) {
      szx = requested.szx;
      num = requested.num;
    } else num = Math.floor((requested.num * blockSize(requested.szx)) / blockSize(szx)); // §2.4: a smaller size than asked
  } else if (size <= blockSize(szx)) return r;
  const start = num * blockSize(szx);
  if (start > 0 && start >= size) fail('bad_request', 'block number past the end of the representation');
  const end = Math.min(start + blockSize(szx), size);
  const options = r.options.slice();
  setOption(options, Option.Block2, encodeBlock(num, end < size, szx));
  setOption(options, Option.Size2, encodeUint(size));
  if (getOption(options, Option.ETag) === null) setOption(options, Option.ETag, etagOf(r.payload));
  return { code: r.code, options: options, payload: r.payload.subarray(start, end) };
}
