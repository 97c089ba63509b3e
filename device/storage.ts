/**
 * Persistent state through a tiny interface: a directory of files on Node, Espruino's
 * `Storage` module (flash) on a board, memory in tests. `write` is atomic per key: after a
 * power loss a key holds either its old or its new value, never a mix.
 */
export interface Storage {
  read(key: string): Uint8Array | null;
  write(key: string, value: Uint8Array): void;
  remove(key: string): void;
}

/** An in-memory Storage, for tests and for devices that choose to keep nothing. */
export class MemoryStorage implements Storage {
  private readonly data: { [key: string]: Uint8Array } = {};
  writes = 0;

  read(key: string): Uint8Array | null {
    const v = this.data['k' + key];
    return v ? new Uint8Array(v) : null;
  }

  write(key: string, value: Uint8Array): void {
    this.data['k' + key] = new Uint8Array(value);
    this.writes++;
  }

  remove(key: string): void {
    delete this.data['k' + key];
  }
}

/** The host's clock: wall time when it has one, and a monotonic millisecond counter for timers. */
export interface Clock {
  /** Seconds since the Unix epoch, or null on a device without a real-time clock. */
  nowSeconds(): number | null;
  /** Milliseconds from an arbitrary origin, never going back; drives retransmission and windows. */
  monotonicMs(): number;
}
