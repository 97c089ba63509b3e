/**
 * A tampered token. Alice holds a read-only token (lock:read); the attacker, who overheard it,
 * rewrites its scope to lock:open and keeps the signature, flips a bit of the signature, and
 * cuts it short. The lock refuses all three (4.01: the signature does not verify; 4.00: not a
 * token) and stores nothing; Alice's genuine token still reads the lock and still cannot open it.
 */
import { Claim } from '../../../device/cwt/iana.ts';
import type { Scenario } from '../scenario.ts';
import { Attacker } from '../attacker.ts';
import { HOME, UNLOCK, codeOf, tappedBackDoor } from '../home.ts';
import { flipLastBit, withClaim } from './forge.ts';

export const tamperedToken: Scenario = {
  name: 'attack-tampered-token',
  title: 'A tampered token: raised scope, flipped signature bit, truncation',
  description: 'Signature verification over the whole claims set: a token edited in any way is refused at /authz-info ' +
    'and leaves no state behind.',
  world: HOME,
  async run(w, x) {
    const { lock, phone, attacker: mallory } = tappedBackDoor(w);

    const readOnly = await phone.obtainToken(lock.name, 'lock:read');
    const session = await phone.connect(lock.addr, readOnly);
    const read = await session.request({ method: 'GET', path: '/lock' });
    x.service('Alice reads the lock with her read-only token', codeOf(read) === '2.05');
    const open = await session.request(UNLOCK);
    x.security('the genuine read-only token cannot open the door (4.05)', codeOf(open) === '4.05' && lock.device.lock!.locked, codeOf(open));

    const token = Attacker.tokenOf(mallory.requestsTo('/authz-info')[0]);
    x.require('the attacker overheard the token', token !== null);
    const stored = lock.device.rs.tokens.size;
    const forgeries: Array<[string, Uint8Array]> = [
      ['scope raised to lock:open', withClaim(token as Uint8Array, Claim.Scope, 'lock:open')],
      ['audience-preserving signature bit flip', flipLastBit(token as Uint8Array)],
      ['truncated', (token as Uint8Array).subarray(0, (token as Uint8Array).length - 20)],
    ];
    for (const [what, forged] of forgeries) {
      const r = await mallory.postToken(lock.addr, forged);
      mallory.note(what + ': ' + r.code);
      x.security('a token ' + what + ' is refused', r.code === '4.01' || r.code === '4.00', r.code);
    }
    x.security('the refused tokens left nothing in the token store', lock.device.rs.tokens.size === stored,
      lock.device.rs.tokens.size + ' stored');
    x.security('the door stayed locked', lock.device.lock!.locked);

    const opener = await phone.connect(lock.addr, await phone.obtainToken(lock.name, 'lock:open'));
    x.service('Alice opens the door with a lock:open token', codeOf(await opener.request(UNLOCK)) === '2.04');
  },
};
