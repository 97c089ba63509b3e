/**
 * The household the scenarios share: Alice, her parents, a monitoring company's server; a
 * connected front door (reference tokens, introspection), a disconnected back door and
 * garage (signed tokens, cnf encrypted to the lock), and Alice's clockless medical sensor.
 *
 * Policy (simulated local time, UTC+01:00):
 *   alice          front-door, back-door, garage: lock:open alarm:disarm lock:read alarm:read
 *                  vitals-sensor: vitals:read
 *   alice-parents  front-door: lock:open alarm:disarm, 18:00-23:00 only
 *   client:monitoring (machine, client credentials)  front-door: alarm:read lock:read
 */
import { CborMap } from '../../device/codec/cbor.ts';
import { portableCbor } from '../../device/codec/cbor.ts';
import { encodeUint } from '../../device/coap/message.ts';
import { ContentFormat, Option } from '../../device/coap/numbers.ts';
import type { AccessRule } from '../as/policy.ts';
import { window } from '../as/policy.ts';
import type { PlainResponse } from '../phone/oscore-client.ts';
import type { SimDevice } from '../device/host.ts';
import type { Phone } from '../phone/phone.ts';
import type { World } from './world.ts';
import { Attacker } from './attacker.ts';

export const ALICE = { user: 'alice', password: 'correct horse battery staple' };
export const PARENTS = { user: 'alice-parents', password: 'tulips in spring' };
export const MONITORING = { id: 'monitoring', secret: 'monitoring-client-secret' };

export const FRONT_DOOR = 'front-door';
export const BACK_DOOR = 'back-door';
export const GARAGE = 'garage';
export const SENSOR = 'vitals-sensor';

const OWNER = ['lock:open', 'alarm:disarm', 'lock:read', 'alarm:read'];

export const HOME_RULES: AccessRule[] = [
  { subject: ALICE.user, audience: FRONT_DOOR, scopes: OWNER },
  { subject: ALICE.user, audience: BACK_DOOR, scopes: OWNER },
  { subject: ALICE.user, audience: GARAGE, scopes: OWNER },
  { subject: ALICE.user, audience: SENSOR, scopes: ['vitals:read'] },
  { subject: PARENTS.user, audience: FRONT_DOOR, scopes: ['lock:open', 'alarm:disarm'], window: window('18:00', '23:00') },
  { subject: 'client:' + MONITORING.id, audience: FRONT_DOOR, scopes: ['alarm:read', 'lock:read'] },
];

export const HOME = { rules: HOME_RULES };

/** Accounts at the AS. */
export function enrol(w: World): void {
  w.as.directory.addUser(ALICE.user, ALICE.password).addUser(PARENTS.user, PARENTS.password);
  w.as.directory.addClient({ id: MONITORING.id, type: 'confidential', redirectUris: [] }, MONITORING.secret);
}

export function frontDoor(w: World): SimDevice {
  return w.addDevice(FRONT_DOOR, { kind: 'lock', mode: 'connected', hasClock: true, tuning: { relockAfterMs: 10000 } });
}

export function backDoor(w: World, name = BACK_DOOR): SimDevice {
  return w.addDevice(name, { kind: 'lock', mode: 'disconnected', hasClock: true, tuning: { relockAfterMs: 5000 } });
}

export function sensor(w: World): SimDevice {
  return w.addDevice(SENSOR, { kind: 'sensor', mode: 'disconnected', hasClock: false, tuning: { readingPeriodMs: 5000 } });
}

export function alicePhone(w: World): Phone {
  return w.addPhone('alice-phone', ALICE.user, ALICE.password);
}

export function parentsPhone(w: World): Phone {
  return w.addPhone('parents-phone', PARENTS.user, PARENTS.password);
}

/** Home Wi-Fi: a little loss and jitter. */
export const HOME_WIFI = { loss: 0.02, delayMs: 8, jitterMs: 6 };

/** The attacks' stage: Alice's phone and the back door on home Wi-Fi, an attacker on it too, recording their link. */
export function tappedBackDoor(w: World): { lock: SimDevice; phone: Phone; attacker: Attacker } {
  enrol(w);
  const lock = backDoor(w);
  const phone = alicePhone(w);
  const link = w.wifi(phone, lock, HOME_WIFI);
  const attacker = new Attacker(w, 'attacker');
  attacker.sniff(link);
  w.wifi(attacker, lock, HOME_WIFI);
  return { lock, phone, attacker };
}

export const CBOR_FORMAT = [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.Cbor) }];

export function command(name: string, value: boolean): Uint8Array {
  return portableCbor.encode(new CborMap().set(name, value));
}

export const UNLOCK = { method: 'POST' as const, path: '/lock', options: CBOR_FORMAT, payload: command('locked', false) };
export const DISARM = { method: 'POST' as const, path: '/alarm', options: CBOR_FORMAT, payload: command('armed', false) };

export function codeOf(r: PlainResponse | null): string {
  if (r === null) return 'none';
  return (r.code >> 5) + '.' + String(r.code & 31).padStart(2, '0');
}

/** Runs fn; its value, or the error's kind and message (attacks expect errors). */
export async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    const err = e as { kind?: string; message?: string };
    return { ok: false, error: (err.kind ? err.kind + ': ' : '') + (err.message ?? String(e)) };
  }
}

export function outcome(r: { ok: boolean; value?: unknown; error?: string }): string {
  if (!r.ok) return 'refused (' + r.error + ')';
  const v = r.value as PlainResponse | undefined;
  return v && typeof v === 'object' && 'code' in v ? 'answered ' + codeOf(v) : 'succeeded';
}
