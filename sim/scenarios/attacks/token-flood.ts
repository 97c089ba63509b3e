/**
 * A flood of token posts. Eight attacker nodes in radio range post to /authz-info ten times a
 * second each for twenty seconds: garbage, forged tokens (valid structure, bad signature),
 * oversized payloads. The lock's rate limiter (per peer and in total, RFC 9200 §5.10.1.2)
 * answers most with 4.29 before any signature check; none is accepted. Meanwhile Alice posts
 * her token — waiting out a 4.29 if she meets one — and opens the door.
 */
import type { Scenario } from '../scenario.ts';
import { Attacker } from '../attacker.ts';
import { HOME, HOME_WIFI, UNLOCK, alicePhone, attempt, backDoor, codeOf, enrol, outcome } from '../home.ts';
import { flipLastBit } from './forge.ts';

const BOTS = 8;
const RATE_MS = 100;
const FLOOD_MS = 20000;

export const tokenFlood: Scenario = {
  name: 'attack-token-flood',
  title: 'A flood of token posts from eight nodes',
  description: 'Rate limiting of /authz-info per peer and per device: the flood is refused (4.29, 4.00, 4.01, 4.13), ' +
    'nothing is stored, and a legitimate phone still gets its token in and opens the door.',
  world: HOME,
  async run(w, x) {
    enrol(w);
    const lock = backDoor(w);
    const phone = alicePhone(w);
    w.wifi(phone, lock, HOME_WIFI);
    const sample = await phone.obtainToken(lock.name, 'lock:read'); // a real token to forge from
    const forged = flipLastBit(sample.token);
    const codes: { [code: string]: number } = {};
    const bots: Promise<void>[] = [];
    for (let b = 0; b < BOTS; b++) {
      const bot = new Attacker(w, 'bot-' + (b + 1));
      w.wifi(bot, lock, HOME_WIFI);
      bots.push((async () => {
        const sends: Promise<void>[] = [];
        for (let t = 0; t < FLOOD_MS; t += RATE_MS) {
          const kind = (t / RATE_MS) % 3;
          const payload = kind === 0 ? bot.prng.bytes(40) : kind === 1 ? forged : bot.prng.bytes(1100);
          sends.push(bot.postToken(lock.addr, payload).then((r) => {
            codes[r.code] = (codes[r.code] ?? 0) + 1;
          }, () => {
            codes.lost = (codes.lost ?? 0) + 1;
          }));
          await w.sim.sleep(RATE_MS);
        }
        await Promise.all(sends);
      })());
    }
    await w.sim.sleep(5000); // the flood is on
    const started = w.sim.now();
    const mine = await phone.obtainToken(lock.name, 'lock:open');
    const opened = await attempt(async () => (await phone.connect(lock.addr, mine)).request(UNLOCK));
    const took = (w.sim.now() - started) / 1000;
    phone.note('unlock during the flood: ' + outcome(opened) + ' after ' + took.toFixed(1) + ' s');
    x.service('Alice opens the door during the flood', opened.ok && codeOf(opened.value) === '2.04', outcome(opened) + ' in ' + took.toFixed(1) + ' s');
    await Promise.all(bots);
    const summary = Object.keys(codes).sort().map((c) => c + ' x' + codes[c]).join(', ');
    x.security('no flooded post was accepted', (codes['2.01'] ?? 0) === 0, summary);
    x.security('the rate limiter turned most of the flood away', (codes['4.29'] ?? 0) > (BOTS * FLOOD_MS / RATE_MS) / 2, summary);
    x.security('the token store holds only Alice\'s token', lock.device.rs.tokens.size === 1, lock.device.rs.tokens.size + ' stored');
  },
};
