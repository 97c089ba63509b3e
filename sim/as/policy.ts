/**
 * Who may do what on which device, and when: the AS's access policy. A rule gives a subject
 * (a user, or "client:<id>" for a machine) scope tokens on one audience ("*" for any), always
 * or only inside a daily window of simulated local time ("18:00"-"23:00"; a window may cross
 * midnight). A grant ends where its window ends, so the token the AS issues ends there too.
 */

export interface TimeWindow {
  /** Minutes after local midnight, [from, to). */
  from: number;
  to: number;
}

export interface AccessRule {
  subject: string;
  audience: string;
  scopes: string[];
  window?: TimeWindow;
}

export interface Decision {
  /** The scope tokens granted (requested ∩ allowed now); empty when nothing is. */
  granted: string[];
  /** Wall time (seconds) at which the earliest window used closes; null when unbounded. */
  until: number | null;
}

/** "18:30" -> 1110. */
export function minutesOf(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (m === null || Number(m[1]) > 24 || Number(m[2]) > 59) throw new RangeError('not a time of day: ' + hhmm);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function window(from: string, to: string): TimeWindow {
  return { from: minutesOf(from), to: minutesOf(to) };
}

/** Minutes until the window closes when `minute` is inside it, else -1. */
function minutesLeft(w: TimeWindow, minute: number): number {
  if (w.from <= w.to) return minute >= w.from && minute < w.to ? w.to - minute : -1;
  if (minute >= w.from) return 1440 - minute + w.to; // crosses midnight
  return minute < w.to ? w.to - minute : -1;
}

export class Policy {
  constructor(readonly rules: AccessRule[], private readonly utcOffsetMinutes: number) {}

  /** Local minutes after midnight at wall time `nowSeconds`. */
  localMinute(nowSeconds: number): number {
    const local = Math.floor(nowSeconds / 60) + this.utcOffsetMinutes;
    return ((local % 1440) + 1440) % 1440;
  }

  /**
   * What `subject` gets on `audience` now. `requested` null asks for everything allowed.
   * Within a minute, the window's end is exact: the grant runs to the start of `to`.
   */
  decide(subject: string, audience: string, requested: string[] | null, nowSeconds: number): Decision {
    const minute = this.localMinute(nowSeconds);
    const intoMinute = nowSeconds - Math.floor(nowSeconds / 60) * 60;
    const granted: string[] = [];
    let until: number | null = null;
    for (const rule of this.rules) {
      if (rule.subject !== subject || (rule.audience !== '*' && rule.audience !== audience)) continue;
      let end: number | null = null;
      if (rule.window !== undefined) {
        const left = minutesLeft(rule.window, minute);
        if (left < 0) continue;
        end = nowSeconds - intoMinute + left * 60;
      }
      for (const s of rule.scopes) {
        if (requested !== null && requested.indexOf(s) < 0) continue;
        if (granted.indexOf(s) < 0) granted.push(s);
        if (end !== null && (until === null || end < until)) until = end;
      }
    }
    return { granted, until };
  }
}
