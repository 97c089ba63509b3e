/**
 * A token for another device. Alice's token for the garage is posted to the back door: the
 * audience does not match, 4.03 (RFC 9200 §5.10.1.1). A reference token of the connected front
 * door means nothing to the disconnected back door, which cannot introspect: refused too.
 */
import type { Scenario } from '../scenario.ts';
import { Attacker } from '../attacker.ts';
import { GARAGE, HOME, HOME_WIFI, UNLOCK, alicePhone, backDoor, codeOf, enrol, frontDoor } from '../home.ts';

export const wrongDevice: Scenario = {
  name: 'attack-wrong-device',
  title: 'A token for another device',
  description: 'Audience checks: a signed token for the garage is refused by the back door (4.03); a front-door reference ' +
    'token is not a token to a device that cannot introspect.',
  world: HOME,
  async run(w, x) {
    enrol(w);
    const lock = backDoor(w);
    backDoor(w, GARAGE);
    frontDoor(w);
    const phone = alicePhone(w);
    w.wifi(phone, lock, HOME_WIFI);
    const eve = new Attacker(w, 'attacker');
    w.wifi(eve, lock, HOME_WIFI);

    const garage = await phone.obtainToken(GARAGE, 'lock:open');
    const r1 = await eve.postToken(lock.addr, garage.token);
    eve.note('garage token at the back door: ' + r1.code);
    x.security('a garage token is refused by the back door (4.03)', r1.code === '4.03', r1.code);
    const front = await phone.obtainToken('front-door', 'lock:open');
    const r2 = await eve.postToken(lock.addr, front.token);
    eve.note('front-door reference token at the back door: ' + r2.code);
    x.security('a front-door reference token is refused by the back door', r2.code === '4.00' || r2.code === '4.01', r2.code);
    x.security('the back door stayed locked and stored no token', lock.device.lock!.locked && lock.device.rs.tokens.size === 0);

    const own = await phone.connect(lock.addr, await phone.obtainToken(lock.name, 'lock:open'));
    x.service('Alice opens the back door with its own token', codeOf(await own.request(UNLOCK)) === '2.04');
  },
};
