/**
 * An intercepted authorization code (RFC 7636 §1): a malicious app on Alice's phone registered
 * the same redirect URI and sees the code. It redeems it at the AS without the verifier, and
 * with a guessed one: invalid_grant both times (the verifier never left Alice's app). Alice's
 * app redeems the code with its verifier and opens the door; the code is then spent.
 */
import type { Scenario } from '../scenario.ts';
import { HOME, HOME_WIFI, UNLOCK, alicePhone, attempt, backDoor, codeOf, enrol, outcome } from '../home.ts';
import { newVerifier } from '../../as/pkce.ts';

export const codeInterception: Scenario = {
  name: 'attack-code-interception',
  title: 'An intercepted authorization code without the PKCE verifier',
  description: 'PKCE S256: the code alone is useless; invalid_grant without or with a wrong code_verifier; the rightful ' +
    'app redeems it; a redeemed code cannot be used again.',
  world: HOME,
  async run(w, x) {
    enrol(w);
    const lock = backDoor(w);
    const phone = alicePhone(w);
    w.wifi(phone, lock, HOME_WIFI);
    const thief = w.addPhone('malicious-app', 'nobody', 'nothing'); // the thief's own route to the AS
    const stolen: string[] = [];
    phone.onRedirect = (code) => stolen.push(code);

    const auth = await phone.authorize(lock.name, 'lock:open');
    x.require('the malicious app saw the code', stolen.length === 1);
    const bare = await attempt(() => thief.redeem(lock.name, stolen[0], null, null));
    thief.note('redeem without verifier: ' + outcome(bare));
    x.security('the code without a verifier gets no token', !bare.ok && bare.error.indexOf('code_verifier') >= 0, outcome(bare));
    const guessed = await attempt(() => thief.redeem(lock.name, stolen[0], newVerifier((n) => thief.provider.randomBytes(n)), null));
    thief.note('redeem with a guessed verifier: ' + outcome(guessed));
    x.security('the code with a guessed verifier gets no token', !guessed.ok && guessed.error.indexOf('code_verifier') >= 0, outcome(guessed));

    const grant = await phone.redeem(lock.name, auth.code, auth.verifier, null);
    const session = await phone.connect(lock.addr, grant);
    x.service('Alice redeems her code and opens the door', codeOf(await session.request(UNLOCK)) === '2.04');
    const reuse = await attempt(() => thief.redeem(lock.name, stolen[0], auth.verifier, null));
    x.security('a redeemed code cannot be used again, even with the right verifier', !reuse.ok, outcome(reuse));
  },
};
