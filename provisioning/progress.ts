/**
 * Batch progress: a bar redrawn in place on a terminal (at most ten times a second), plain
 * lines otherwise (one per device, for logs and pipes).
 */
import type { Io } from './io.ts';

const WIDTH = 30;

export class Progress {
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(private readonly io: Io, private readonly total: number) {}

  /** `done` devices of `total` are finished; `serial` was the last. */
  update(done: number, serial: string, how: string): void {
    if (!this.io.isTTY) {
      this.io.out(serial + ' ' + how + ' (' + done + '/' + this.total + ')');
      return;
    }
    const now = Date.now();
    if (done < this.total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const filled = this.total === 0 ? WIDTH : Math.round((done / this.total) * WIDTH);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? Math.ceil((this.total - done) / rate) + 's' : '?';
    this.io.progress('\r[' + '#'.repeat(filled) + '-'.repeat(WIDTH - filled) + '] ' + done + '/' + this.total +
      ' ' + Math.floor((done / Math.max(1, this.total)) * 100) + '% ' + rate.toFixed(0) + '/s ETA ' + eta + '  ');
  }

  finish(): void {
    if (this.io.isTTY) this.io.progress('\n');
  }
}
