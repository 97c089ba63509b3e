/**
 * Virtual time: a clock in milliseconds and a queue of events ordered by (time, order of
 * scheduling), so the same schedule always runs in the same order.
 *
 * Events that may wake promise chains (a datagram for node-coap, a timer of the phone
 * library, a scenario's sleep) are run with `settle`: after one of them the loop yields one
 * real macrotask (setImmediate), by which every promise continuation it caused has run and
 * scheduled what it schedules, before virtual time moves on. Events known to be synchronous
 * (the device's endpoint, link internals, ticks) skip that yield: it is the expensive part.
 */

export interface SimEvent {
  readonly time: number;
  readonly seq: number;
  readonly settle: boolean;
  cancelled: boolean;
  fn: () => void;
}

const realSetImmediate = setImmediate;

/** One real macrotask: every microtask and nextTick queued before it has run by then. */
export function yieldToPromises(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

export class Scheduler {
  private heap: SimEvent[] = [];
  private seq = 0;
  private time = 0;
  /** Events run so far (a measure of the simulation's work). */
  processed = 0;
  private live = 0;

  /** Virtual milliseconds since the start of the run. */
  now(): number {
    return this.time;
  }

  /** Events scheduled and not cancelled. */
  get pending(): number {
    return this.live;
  }

  at(time: number, fn: () => void, settle = true): SimEvent {
    if (!(time >= this.time)) time = this.time; // never into the past (NaN too)
    const ev: SimEvent = { time, seq: this.seq++, settle, cancelled: false, fn };
    this.push(ev);
    this.live++;
    return ev;
  }

  after(delayMs: number, fn: () => void, settle = true): SimEvent {
    return this.at(this.time + Math.max(0, delayMs), fn, settle);
  }

  cancel(ev: SimEvent | null | undefined): void {
    if (ev && !ev.cancelled) {
      ev.cancelled = true;
      this.live--;
    }
  }

  /** When the next live event is due, or Infinity. */
  nextTime(): number {
    this.dropCancelled();
    return this.heap.length === 0 ? Infinity : this.heap[0].time;
  }

  /**
   * Runs events in order until `stop()` holds, virtual time would pass `untilMs`, or nothing
   * is left. Returns why it stopped.
   */
  async run(stop: () => boolean, untilMs = Infinity): Promise<'stopped' | 'until' | 'idle'> {
    for (;;) {
      if (stop()) return 'stopped';
      this.dropCancelled();
      if (this.heap.length === 0) {
        // a continuation may still be on its way to scheduling something
        await yieldToPromises();
        if (stop()) return 'stopped';
        this.dropCancelled();
        if (this.heap.length === 0) return 'idle';
      }
      const ev = this.heap[0];
      if (ev.time > untilMs) {
        this.time = untilMs;
        return 'until';
      }
      this.pop();
      this.live--;
      ev.cancelled = true;
      this.time = ev.time;
      this.processed++;
      ev.fn();
      if (ev.settle) await yieldToPromises();
    }
  }

  // ---------------------------------------------------------------- binary heap

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
  }

  private static before(x: SimEvent, y: SimEvent): boolean {
    return x.time < y.time || (x.time === y.time && x.seq < y.seq);
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!Scheduler.before(h[i], h[parent])) break;
      const t = h[i];
      h[i] = h[parent];
      h[parent] = t;
      i = parent;
    }
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as SimEvent;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && Scheduler.before(h[l], h[m])) m = l;
        if (r < h.length && Scheduler.before(h[r], h[m])) m = r;
        if (m === i) break;
        const t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
      }
    }
    return top;
  }
}
