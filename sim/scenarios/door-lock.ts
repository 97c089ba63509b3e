/**
 * The connected front door and Alice's parents' evening-only permission. At 18:30 the parents'
 * app logs in (code grant + PKCE), gets a reference token, posts it to the lock, which asks
 * the AS (introspection over its OSCORE channel); they open the door and disarm the alarm.
 * At 22:50 a new token lives only until 23:00, where the permission ends. The next morning at
 * 08:00 the old session is refused by the lock and a new token by the AS.
 */
import type { Scenario } from './scenario.ts';
import { DISARM, HOME, HOME_WIFI, UNLOCK, attempt, codeOf, enrol, frontDoor, outcome, parentsPhone } from './home.ts';

export const doorLockEvening: Scenario = {
  name: 'door-lock-evening',
  title: "Alice's parents: the front door and alarm in the evening, refused the next morning",
  description: 'Authorization code grant with PKCE, a reference token checked by introspection at the AS, ' +
    'a policy window of 18:00-23:00 local time: granted in the evening, refused by the AS and by the lock the next morning.',
  world: HOME,
  async run(w, x) {
    enrol(w);
    const lock = frontDoor(w);
    const phone = parentsPhone(w);
    w.wifi(phone, lock, HOME_WIFI);
    const sim = w.sim;

    await sim.until(sim.atLocal(18, 30));
    const grant = await phone.obtainToken(lock.name, 'lock:open alarm:disarm');
    x.service('the AS grants lock:open alarm:disarm at 18:30', grant.scope === 'lock:open alarm:disarm', grant.scope);
    const session = await phone.connect(lock.addr, grant);
    const opened = await session.request(UNLOCK);
    phone.note('door: ' + codeOf(opened));
    x.service('the parents open the door at 18:30', codeOf(opened) === '2.04' && lock.device.lock!.locked === false, codeOf(opened));
    const disarmed = await session.request(DISARM);
    phone.note('alarm: ' + codeOf(disarmed));
    x.service('the parents disarm the alarm', codeOf(disarmed) === '2.04' && lock.device.alarm!.armed === false, codeOf(disarmed));
    x.service('the lock checked the reference token with the AS', w.as.journal.some((l) => l.indexOf('introspection by front-door: active') >= 0));

    await sim.until(sim.atLocal(22, 50));
    const late = await phone.obtainToken(lock.name, 'lock:open');
    x.security('a token at 22:50 ends with the window at 23:00', late.expiresIn <= 600 && late.expiresIn > 0, 'expires_in ' + late.expiresIn);

    await sim.until(sim.atLocal(8, 0, 1));
    lock.device.alarm!.command(true); // armed for the night
    const before = lock.device.lock!.locked;
    const oldSession = await attempt(() => session.request(UNLOCK));
    phone.note('morning, old session: ' + outcome(oldSession));
    x.security('the next morning the old session opens nothing', !(oldSession.ok && codeOf(oldSession.value) === '2.04') && lock.device.lock!.locked === before,
      outcome(oldSession));
    const fresh = await attempt(() => phone.obtainToken(lock.name, 'lock:open alarm:disarm'));
    phone.note('morning, new token: ' + outcome(fresh));
    x.security('the next morning the AS refuses a token', !fresh.ok && fresh.error.indexOf('4.03') >= 0, outcome(fresh));
    x.security('the alarm stays armed in the morning', lock.device.alarm!.armed === true);
  },
};
