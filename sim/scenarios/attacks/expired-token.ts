/**
 * Expired tokens. The back door has a clock: a token posted after its exp is refused (4.01),
 * and a session whose token expired ends (the lock purges the token and its context; the
 * phone's re-post is refused). The sensor has no clock: its token carries exi (RFC 9200
 * §5.10.3), counted from the first post; after it, the session ends and the token cannot be
 * posted again. Fresh tokens work.
 */
import type { Scenario } from '../scenario.ts';
import { HOME, HOME_WIFI, UNLOCK, alicePhone, attempt, backDoor, codeOf, enrol, outcome, sensor } from '../home.ts';

export const expiredToken: Scenario = {
  name: 'attack-expired-token',
  title: 'Expired tokens: exp on a lock with a clock, exi on a clockless sensor',
  description: 'exp checked against the lock\'s clock at /authz-info and during a session; exi counted from the sensor\'s ' +
    'first reception, with the exi sequence number refusing a re-post after expiry.',
  world: HOME,
  limitMs: 86400000,
  async run(w, x) {
    enrol(w);
    const lock = backDoor(w);
    const dev = sensor(w);
    const phone = alicePhone(w);
    w.wifi(phone, lock, HOME_WIFI);
    w.ble(phone, dev, { attMtu: 185 });
    const sim = w.sim;

    const stale = await phone.obtainToken(lock.name, 'lock:open'); // lives 3600 s
    await sim.sleep(3700 * 1000);
    const late = await attempt(() => phone.connect(lock.addr, stale));
    phone.note('posting a token an hour old: ' + outcome(late));
    x.security('a token posted after its exp is refused', !late.ok && late.error.indexOf('4.01') >= 0, outcome(late));

    const fresh = await phone.obtainToken(lock.name, 'lock:open');
    const session = await phone.connect(lock.addr, fresh);
    x.service('a fresh token opens the door', codeOf(await session.request(UNLOCK)) === '2.04');
    await sim.sleep(3700 * 1000);
    const relocked = lock.device.lock!.locked;
    const expired = await attempt(() => session.request(UNLOCK));
    phone.note('unlock an hour later: ' + outcome(expired));
    x.security('a session whose token expired opens nothing', relocked && lock.device.lock!.locked &&
      !(expired.ok && codeOf(expired.value) === '2.04'), outcome(expired));

    const hints = await phone.hints(dev.addr, '/vitals');
    const exiGrant = await phone.obtainToken(dev.name, 'vitals:read', hints.cnonce);
    const vitals = await phone.connect(dev.addr, exiGrant);
    x.service('the sensor serves vitals under an exi token', codeOf(await vitals.request({ method: 'GET', path: '/vitals' })) === '2.05');
    await sim.sleep((exiGrant.expiresIn + 60) * 1000);
    const after = await attempt(() => vitals.request({ method: 'GET', path: '/vitals' }));
    phone.note('vitals after exi: ' + outcome(after));
    x.security('after exi the sensor refuses the session and the token', !(after.ok && codeOf(after.value) === '2.05'), outcome(after));

    const hints2 = await phone.hints(dev.addr, '/vitals');
    const again = await phone.connect(dev.addr, await phone.obtainToken(dev.name, 'vitals:read', hints2.cnonce));
    x.service('a new exi token works', codeOf(await again.request({ method: 'GET', path: '/vitals' })) === '2.05');
  },
};
