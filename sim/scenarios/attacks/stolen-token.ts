/**
 * A stolen token without its key. The attacker overhears Alice's token post to the back door
 * (tokens travel in the clear to /authz-info), reads it (the claims are signed, not secret)
 * and finds the PoP key encrypted to the lock. It posts the token itself — the lock accepts a
 * valid token from anyone, and derives a context with a key the attacker does not have — and
 * its guessed-key OSCORE unlock fails. Alice's phone, whose context the re-post replaced,
 * posts its token again and opens the door.
 */
import { MemoryStorage } from '../../../device/storage.ts';
import { Claim, CnfMethod } from '../../../device/cwt/iana.ts';
import { CborMap, portableCbor } from '../../../device/codec/cbor.ts';
import { deriveClientContext } from '../../phone/ace-client.ts';
import { OscoreClient } from '../../phone/oscore-client.ts';
import type { Scenario } from '../scenario.ts';
import { Attacker } from '../attacker.ts';
import { HOME, UNLOCK, attempt, codeOf, outcome, tappedBackDoor } from '../home.ts';
import { claimsOf } from './forge.ts';

export const stolenToken: Scenario = {
  name: 'attack-stolen-token',
  title: 'A stolen token without its proof-of-possession key',
  description: 'Tokens are bearer-readable but PoP-bound: the cnf key is encrypted to the lock, so a thief who posts ' +
    'the token cannot speak OSCORE with it; the owner recovers by posting the token again.',
  world: HOME,
  async run(w, x) {
    const { lock, phone, attacker: thief } = tappedBackDoor(w);

    const grant = await phone.obtainToken(lock.name, 'lock:open');
    const session = await phone.connect(lock.addr, grant);
    x.service('Alice opens the back door', codeOf(await session.request(UNLOCK)) === '2.04');
    await w.sim.sleep(6000); // auto-relock after 5 s

    const posts = thief.requestsTo('/authz-info');
    const token = posts.length > 0 ? Attacker.tokenOf(posts[0]) : null;
    x.require('the attacker overheard the token', token !== null);
    if (token === null) return;
    const cnf = claimsOf(token).get(Claim.Cnf);
    x.security('the token shows no usable key: its cnf is encrypted to the lock',
      cnf instanceof CborMap && !cnf.has(CnfMethod.CoseKey) && !cnf.has(CnfMethod.Osc) && cnf.has(CnfMethod.EncryptedCoseKey));

    const nonce1 = thief.prng.bytes(8);
    const id1 = thief.prng.bytes(1);
    const posted = await thief.postToken(lock.addr, token, nonce1, id1);
    thief.note('posted the stolen token: ' + posted.code);
    let result: { ok: boolean; value?: unknown; error?: string } = { ok: false, error: 'no context' };
    if (posted.code === '2.01' && posted.body !== null) {
      const guess = { masterSecret: thief.prng.bytes(16), salt: null, idContext: null, aeadAlg: 10, id: new Uint8Array([1]) };
      const ctx = deriveClientContext(guess, nonce1, posted.body, id1, thief.provider, new MemoryStorage(), portableCbor);
      const client = new OscoreClient({ host: lock.addr.address, port: lock.addr.port, context: ctx.context, agent: thief.agent,
        randomBytes: (n) => thief.prng.bytes(n), timeoutMs: 60000 });
      result = await attempt(() => client.request(UNLOCK));
    }
    thief.note('unlock with a guessed key: ' + outcome(result));
    x.security('the thief cannot open the door with the stolen token', lock.device.lock!.locked === true &&
      !(result.ok && codeOf(result.value as never) === '2.04'), outcome(result));

    const again = await attempt(() => session.request(UNLOCK));
    x.service('Alice opens the door afterwards (re-posting her token)', again.ok && codeOf(again.value) === '2.04', outcome(again));
  },
};
