/**
 * The door lock's resources.
 *
 * /lock   GET  -> 2.05 {"locked": bool}                          (application/cbor, 60)
 *         POST {"locked": false} unlocks, {"locked": true} locks -> 2.04 with the new state
 * /alarm  GET  -> 2.05 {"armed": bool}
 *         POST {"armed": false} disarms, {"armed": true} arms   -> 2.04 with the new state
 *
 * A command in another content format is 4.15, a malformed one 4.00, another method 4.05.
 * Both are observable: each change calls the `onChanged` callback (wire it to the Site's
 * changed(path)). `onUnlock` / `onDisarm` are called synchronously for every accepted unlock /
 * disarm command (also when already open: the command was carried out), so the ACE layer can
 * spend a single-use token. An optional auto-relock locks again `relockAfterMs` after the
 * last unlock; the host calls poll() now and then (GET also applies a due relock).
 */
import { Code, fail } from '../errors.ts';
import type { Clock } from '../storage.ts';
import type { CoapResponse, Exchange, Resource } from '../coap/interfaces.ts';
import { ContentFormat, Method } from '../coap/numbers.ts';
import { boolState, readBoolCommand, respond } from './representation.ts';

export interface LockOptions {
  /** Monotonic milliseconds time the auto-relock. */
  clock: Clock;
  /** Lock again this long after an unlock; 0 or absent: stay unlocked until told. */
  relockAfterMs?: number;
  /** Drives the bolt; called before the new state is reported. */
  actuator?: (locked: boolean) => void;
  /** Default true. */
  initiallyLocked?: boolean;
}

function callAll(fns: Array<() => void>): void {
  for (let i = 0; i < fns.length; i++) fns[i]();
}

export class LockResource implements Resource {
  readonly linkAttributes = ';rt="lock";if="core.a";ct=60;obs';
  readonly observable = true;
  private readonly clock: Clock;
  private readonly relockAfterMs: number;
  private readonly actuator: ((locked: boolean) => void) | null;
  private state: boolean;
  /** Monotonic deadline of the auto-relock, or -1. */
  private relockAt = -1;
  private readonly unlockFns: Array<() => void> = [];
  private changedFn: (() => void) | null = null;

  constructor(options: LockOptions) {
    this.clock = options.clock;
    this.relockAfterMs = options.relockAfterMs && options.relockAfterMs > 0 ? options.relockAfterMs : 0;
    this.actuator = options.actuator || null;
    this.state = options.initiallyLocked !== false;
  }

  get locked(): boolean {
    return this.state;
  }

  /** Called for every accepted unlock command. */
  onUnlock(fn: () => void): void {
    this.unlockFns.push(fn);
  }

  /** Called after every change of state (wire to Site.changed('/lock')). */
  onChanged(fn: () => void): void {
    this.changedFn = fn;
  }

  /** Locks or unlocks, as a command from any source (a request, a button). */
  command(locked: boolean): void {
    const before = this.state;
    if (this.actuator) this.actuator(locked);
    this.state = locked;
    this.relockAt = !locked && this.relockAfterMs > 0 ? this.clock.monotonicMs() + this.relockAfterMs : -1;
    if (!locked) callAll(this.unlockFns);
    if (before !== locked && this.changedFn) this.changedFn();
  }

  /** Applies a due auto-relock. */
  poll(): void {
    if (this.relockAt >= 0 && this.clock.monotonicMs() >= this.relockAt) this.command(true);
  }

  render(exchange: Exchange): CoapResponse {
    const code = exchange.request.code;
    if (code === Method.GET) {
      this.poll();
      return respond(Code.Content, boolState('locked', this.state), ContentFormat.Cbor);
    }
    if (code !== Method.POST) return fail('method_not_allowed', '/lock takes GET and POST');
    const locked = readBoolCommand(exchange, 'locked');
    if (typeof locked !== 'boolean') return locked;
    this.command(locked);
    return respond(Code.Changed, boolState('locked', this.state), ContentFormat.Cbor);
  }
}

export class AlarmResource implements Resource {
  readonly linkAttributes = ';rt="alarm";if="core.a";ct=60;obs';
  readonly observable = true;
  private state: boolean;
  private readonly disarmFns: Array<() => void> = [];
  private changedFn: (() => void) | null = null;

  constructor(initiallyArmed: boolean) {
    this.state = initiallyArmed;
  }

  get armed(): boolean {
    return this.state;
  }

  /** Called for every accepted disarm command. */
  onDisarm(fn: () => void): void {
    this.disarmFns.push(fn);
  }

  /** Called after every change of state (wire to Site.changed('/alarm')). */
  onChanged(fn: () => void): void {
    this.changedFn = fn;
  }

  command(armed: boolean): void {
    const before = this.state;
    this.state = armed;
    if (!armed) callAll(this.disarmFns);
    if (before !== armed && this.changedFn) this.changedFn();
  }

  render(exchange: Exchange): CoapResponse {
    const code = exchange.request.code;
    if (code === Method.GET) return respond(Code.Content, boolState('armed', this.state), ContentFormat.Cbor);
    if (code !== Method.POST) return fail('method_not_allowed', '/alarm takes GET and POST');
    const armed = readBoolCommand(exchange, 'armed');
    if (typeof armed !== 'boolean') return armed;
    this.command(armed);
    return respond(Code.Changed, boolState('armed', this.state), ContentFormat.Cbor);
  }
}
