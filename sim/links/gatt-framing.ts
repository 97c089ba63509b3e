/**
 * CoAP messages over a GATT characteristic: a message larger than one ATT value (ATT_MTU - 3
 * bytes: opcode and handle, Bluetooth Core 5.4 Vol 3 Part F §3.4.5.3/§3.4.7.1) is cut into
 * fragments, written without response (phone to device) or notified (device to phone).
 * Each fragment starts with one byte: FIRST (0x80), LAST (0x40), and a 6-bit message counter,
 * so a receiver that lost the connection mid-message drops the remains instead of gluing two
 * messages together. The link layer delivers in order while connected, so no offsets are needed.
 */

export const FIRST = 0x80;
export const LAST = 0x40;
const COUNTER_MASK = 0x3f;
/** ATT Handle Value Notification / Write Command header: opcode (1) and attribute handle (2). */
export const ATT_HEADER = 3;
/** The smallest ATT_MTU (LE default, Core 5.4 Vol 3 Part F §3.2.8) and the largest. */
export const ATT_MTU_MIN = 23;
export const ATT_MTU_MAX = 517;

/** Bytes of a CoAP message one fragment carries at this ATT_MTU. */
export function fragmentPayload(attMtu: number): number {
  return attMtu - ATT_HEADER - 1;
}

export function fragment(message: Uint8Array, counter: number, attMtu: number): Uint8Array[] {
  if (!(attMtu >= ATT_MTU_MIN && attMtu <= ATT_MTU_MAX)) throw new RangeError('ATT_MTU must be 23..517');
  const size = fragmentPayload(attMtu);
  const out: Uint8Array[] = [];
  const count = Math.max(1, Math.ceil(message.length / size));
  for (let i = 0; i < count; i++) {
    const part = message.subarray(i * size, Math.min(message.length, (i + 1) * size));
    const f = new Uint8Array(1 + part.length);
    f[0] = (i === 0 ? FIRST : 0) | (i === count - 1 ? LAST : 0) | (counter & COUNTER_MASK);
    f.set(part, 1);
    out.push(f);
  }
  return out;
}

/** Rebuilds messages from fragments in arrival order; a broken sequence is dropped whole. */
export class Reassembler {
  private parts: Uint8Array[] | null = null;
  private counter = -1;
  /** Fragments thrown away (a message cut by a disconnect, or out of sequence). */
  discarded = 0;

  /** The whole message when `f` completes one, else null. */
  push(f: Uint8Array): Uint8Array | null {
    if (f.length < 1) return null;
    const flags = f[0];
    const counter = flags & COUNTER_MASK;
    if (flags & FIRST) {
      if (this.parts !== null) this.discarded += this.parts.length;
      this.parts = [];
      this.counter = counter;
    } else if (this.parts === null || counter !== this.counter) {
      this.discarded++;
      return null;
    }
    (this.parts as Uint8Array[]).push(f.subarray(1));
    if (!(flags & LAST)) return null;
    const parts = this.parts as Uint8Array[];
    this.parts = null;
    let length = 0;
    for (const p of parts) length += p.length;
    const message = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      message.set(p, at);
      at += p.length;
    }
    return message;
  }

  /** The connection is gone: what was half received is lost. */
  reset(): void {
    if (this.parts !== null) this.discarded += this.parts.length;
    this.parts = null;
  }
}
