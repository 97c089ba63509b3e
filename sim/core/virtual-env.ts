/**
 * Runs node-coap and the phone library in virtual time. node-coap reads the global timer
 * functions and Math.random at call time (retransmission back-off and jitter, initial message
 * IDs), so while a simulation runs those globals are the scheduler's: a timer becomes a
 * scheduled event, Math.random a seeded stream. Everything is restored afterwards, and only
 * one simulation may hold them at a time in a process.
 *
 * Why not @sinonjs/fake-timers: its async ticking waits one real setTimeout (>= 1 ms) after
 * every timer, which makes a thousand-device run take minutes; the scheduler here yields one
 * setImmediate instead, and only after events that may wake promises.
 */
import type { Scheduler, SimEvent } from './scheduler.ts';

type TimerCallback = (...args: unknown[]) => void;

/** What node's Timeout offers that callers use; enough for node-coap and the phone code. */
class VirtualTimer {
  event: SimEvent | null = null;
  constructor(readonly id: number) {}
  ref(): this { return this; }
  unref(): this { return this; }
  hasRef(): boolean { return true; }
  [Symbol.toPrimitive](): number { return this.id; }
}

interface Saved {
  setTimeout: typeof setTimeout;
  clearTimeout: typeof clearTimeout;
  setInterval: typeof setInterval;
  clearInterval: typeof clearInterval;
  random: () => number;
}

let installed: Saved | null = null;

/** Installs the virtual globals; returns the function that restores the real ones. */
export function installVirtualEnvironment(scheduler: Scheduler, random: () => number): () => void {
  if (installed !== null) throw new Error('another simulation is running in this process (one at a time)');
  const g = globalThis as unknown as { [name: string]: unknown };
  const saved: Saved = {
    setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval, clearInterval: globalThis.clearInterval, random: Math.random,
  };
  installed = saved;
  let nextId = 1;

  function delayOf(ms: unknown): number {
    const n = Number(ms);
    return n >= 1 && n < 2147483648 ? n : 1; // node's rule: outside [1, 2^31) means 1 ms
  }

  function setVirtualTimeout(fn: TimerCallback, ms?: number, ...args: unknown[]): VirtualTimer {
    const t = new VirtualTimer(nextId++);
    t.event = scheduler.after(delayOf(ms), () => {
      t.event = null;
      fn(...args);
    });
    return t;
  }

  function setVirtualInterval(fn: TimerCallback, ms?: number, ...args: unknown[]): VirtualTimer {
    const t = new VirtualTimer(nextId++);
    const period = delayOf(ms);
    const fire = (): void => {
      t.event = scheduler.after(period, fire);
      fn(...args);
    };
    t.event = scheduler.after(period, fire);
    return t;
  }

  function clearVirtual(real: (h: never) => void): (handle: unknown) => void {
    return (handle: unknown) => {
      if (handle instanceof VirtualTimer) {
        scheduler.cancel(handle.event);
        handle.event = null;
      } else if (handle !== undefined && handle !== null) {
        real(handle as never); // a real timer made before the run
      }
    };
  }

  g.setTimeout = setVirtualTimeout;
  g.setInterval = setVirtualInterval;
  g.clearTimeout = clearVirtual(saved.clearTimeout as (h: never) => void);
  g.clearInterval = clearVirtual(saved.clearInterval as (h: never) => void);
  Math.random = random;

  return function restore(): void {
    if (installed !== saved) return;
    g.setTimeout = saved.setTimeout;
    g.clearTimeout = saved.clearTimeout;
    g.setInterval = saved.setInterval;
    g.clearInterval = saved.clearInterval;
    Math.random = saved.random;
    installed = null;
  };
}
