/**
 * Scheduled partitions: windows of virtual time in which a link carries nothing ("the sensor
 * is out of range from t=10 s to t=40 s"). Half-open intervals [from, to) in milliseconds.
 */

export interface Window {
  from: number;
  to: number;
}

export class Partitions {
  readonly windows: Window[];

  constructor(windows: Window[] = []) {
    for (const w of windows) {
      if (!(w.from >= 0) || !(w.to > w.from)) throw new RangeError('a partition window needs 0 <= from < to');
    }
    this.windows = windows.slice().sort((a, b) => a.from - b.from);
  }

  /** Whether the link is down at t. */
  down(t: number): boolean {
    for (const w of this.windows) if (t >= w.from && t < w.to) return true;
    return false;
  }

  /** Whether [a, b] touches a window: a packet in flight then is lost. */
  overlaps(a: number, b: number): boolean {
    for (const w of this.windows) if (a < w.to && b >= w.from) return true;
    return false;
  }

  /** The end of the window holding t, or t when the link is up. */
  upAgainAt(t: number): number {
    let at = t;
    for (const w of this.windows) if (at >= w.from && at < w.to) at = w.to;
    return at;
  }

  add(w: Window): void {
    this.windows.push(w);
    this.windows.sort((a, b) => a.from - b.from);
  }
}
