/**
 * The server's replay window over request sequence numbers (RFC 8613 §7.4, §3.2.2): the
 * sliding anti-replay window of DTLS (RFC 6347 §4.1.2.6).
 *
 * `top` is the highest number accepted; bit i of the bitmap (word i >> 5, bit i & 31) says
 * whether top - i was seen. Numbers go up to 2^40, so they stay plain numbers (exact below
 * 2^53); only distances smaller than the window size reach bit operations, which are all on
 * 32-bit words (Espruino has no BigInt).
 *
 * A window is either initialised (a fresh context starts empty) or not (state lost in a
 * reboot): then nothing is accepted until a request has been shown fresh with Echo
 * (Appendix B.1.2), whose number becomes the lower limit (`resetTo`).
 */
import { fail } from '../errors.ts';

export class ReplayWindow {
  readonly size: number;
  private readonly bits: Uint32Array;
  private top = -1;
  private ready: boolean;

  /** size: a multiple of 32, from 32 to 1024. */
  constructor(size: number, initialised: boolean) {
    if (!(size >= 32 && size <= 1024 && size % 32 === 0)) fail('internal', 'replay window size must be a multiple of 32');
    this.size = size;
    this.bits = new Uint32Array(size / 32);
    this.ready = initialised;
  }

  get initialised(): boolean {
    return this.ready;
  }

  /** Whether seq may be accepted: initialised, not seen, not older than the window. Changes nothing. */
  check(seq: number): boolean {
    if (!this.ready) return false;
    if (seq > this.top) return true;
    const d = this.top - seq;
    if (d >= this.size) return false;
    return (this.bits[d >>> 5] & (1 << (d & 31))) === 0;
  }

  /** Marks seq as seen; the caller has checked it. */
  accept(seq: number): void {
    if (!this.check(seq)) fail('oscore_replay', 'sequence number already seen or too old');
    if (seq > this.top) {
      this.shift(seq - this.top);
      this.top = seq;
      this.bits[0] |= 1;
    } else {
      const d = this.top - seq;
      this.bits[d >>> 5] |= 1 << (d & 31);
    }
  }

  /** The window's state is lost (a reboot): nothing is accepted until resetTo. */
  forget(): void {
    this.ready = false;
    this.top = -1;
    this.bits.fill(0);
  }

  /** Initialises the window with seq as its lower limit: seq and everything below refused. */
  resetTo(seq: number): void {
    this.top = seq;
    this.bits.fill(0xffffffff);
    this.ready = true;
  }

  /** Moves the bitmap towards older numbers by s positions (bit i goes to bit i + s). */
  private shift(s: number): void {
    const bits = this.bits;
    if (s >= this.size) {
      bits.fill(0);
      return;
    }
    const words = s >>> 5;
    const r = s & 31;
    for (let i = bits.length - 1; i >= 0; i--) {
      const src = i - words;
      let v = src >= 0 ? bits[src] << r : 0;
      if (r !== 0 && src - 1 >= 0) v |= bits[src - 1] >>> (32 - r);
      bits[i] = v;
    }
  }
}
