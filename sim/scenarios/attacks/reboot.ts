/**
 * A device reboot mid-session. Alice has a session with the back door; the lock loses power
 * and boots again from the same storage: tokens and sequence numbers survive, the replay
 * window does not. The attacker replays the unlock it recorded before the reboot: the lock
 * cannot tell it is old, so it challenges it with Echo (RFC 8613 Appendix B.1.2, RFC 9175) —
 * which a replay cannot answer — and the door stays locked. Alice's phone answers the
 * challenge and opens the door.
 */
import type { Scenario } from '../scenario.ts';
import { Attacker } from '../attacker.ts';
import { HOME, UNLOCK, codeOf, tappedBackDoor } from '../home.ts';

export const rebootMidSession: Scenario = {
  name: 'attack-reboot-replay',
  title: 'A reboot mid-session, and a replay after it',
  description: 'Tokens persist across the reboot; the lost replay window is covered by an Echo challenge that a replayed ' +
    'request cannot answer and the phone answers in one round trip.',
  world: HOME,
  async run(w, x) {
    const { lock, phone, attacker: eve } = tappedBackDoor(w);

    const session = await phone.connect(lock.addr, await phone.obtainToken(lock.name, 'lock:open'));
    x.service('Alice opens the back door', codeOf(await session.request(UNLOCK)) === '2.04');
    await w.sim.sleep(6000);
    const recorded = eve.protectedRequests();
    x.require('the attacker recorded the unlock', recorded.length > 0 && lock.device.lock!.locked);

    lock.reboot();
    const rebootedAt = w.sim.now();
    x.service('the token survived the reboot', lock.device.rs.tokens.size === 1 && lock.boots === 2);
    const reply = await eve.raw(lock.addr, Attacker.withMessageId(recorded[0].bytes, 4242));
    eve.note('replayed the recorded unlock after the reboot: ' + (reply === null ? 'no answer' : 'answered'));
    x.security('the replay after the reboot does not open the door', lock.device.lock!.locked);
    const audit = lock.device.rs.audit.events();
    x.security('the lock logged no grant after the reboot for the replay', !audit.some((e) => e.granted && e.peer.indexOf(eve.addr.address) === 0));

    const again = await session.request(UNLOCK);
    // the first protected request after the reboot is challenged; the phone repeats it with the Echo value
    const tries = w.sim.trace.messages.filter((m) => m.sent >= rebootedAt && m.from === phone.name && m.label.indexOf('[OSCORE]') >= 0).length;
    x.service('Alice opens the door after an Echo round trip', codeOf(again) === '2.04' && !lock.device.lock!.locked && tries === 2,
      codeOf(again) + ' after ' + tries + ' protected requests');
  },
};
