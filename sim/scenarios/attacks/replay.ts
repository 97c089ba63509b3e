/**
 * A replayed OSCORE request. The attacker records Alice's protected unlock on the radio and
 * sends it again after the door relocked: byte for byte, and with a fresh CoAP message ID (so
 * the device's deduplication cannot answer it from its cache). The OSCORE replay window
 * refuses both (4.01 "Replay detected", RFC 8613 §7.4); the door stays locked, Alice's next
 * unlock works.
 */
import { decode } from '../../../device/coap/message.ts';
import type { Scenario } from '../scenario.ts';
import { Attacker } from '../attacker.ts';
import { codeText } from '../../core/coap-label.ts';
import { utf8Decode } from '../../../device/codec/bytes.ts';
import { HOME, UNLOCK, codeOf, tappedBackDoor } from '../home.ts';

function answer(reply: Uint8Array | null): string {
  if (reply === null) return 'no answer';
  const m = decode(reply);
  let text = '';
  try {
    text = utf8Decode(m.payload);
  } catch {
    text = '';
  }
  return codeText(m.code) + (m.options.some((o) => o.number === 9) ? ' protected' : ' "' + text + '"');
}

export const replayedRequest: Scenario = {
  name: 'attack-replay',
  title: 'A replayed OSCORE unlock request',
  description: "The recorded unlock is refused by OSCORE's replay window, whatever the CoAP message ID; the door stays locked.",
  world: HOME,
  async run(w, x) {
    const { lock, phone, attacker: eve } = tappedBackDoor(w);

    const session = await phone.connect(lock.addr, await phone.obtainToken(lock.name, 'lock:open'));
    x.service('Alice opens the back door', codeOf(await session.request(UNLOCK)) === '2.04');
    await w.sim.sleep(6000);
    x.require('the door relocked', lock.device.lock!.locked);
    const recorded = eve.protectedRequests();
    x.require('the attacker recorded the protected unlock', recorded.length > 0);
    const bytes = recorded[0].bytes;

    const same = await eve.raw(lock.addr, bytes);
    eve.note('replayed as recorded: ' + answer(same));
    x.security('the replay as recorded is refused and opens nothing', lock.device.lock!.locked && answer(same).indexOf('4.01') === 0, answer(same));
    const fresh = await eve.raw(lock.addr, Attacker.withMessageId(bytes, (eve.prng.int(65535) + 1) & 0xffff));
    eve.note('replayed with a new message ID: ' + answer(fresh));
    x.security('the replay with a new message ID is refused too (Replay detected)', lock.device.lock!.locked &&
      answer(fresh).indexOf('Replay detected') >= 0, answer(fresh));
    x.security('the lock logged no grant to the attacker', lock.device.rs.audit.events().every((e) => !e.granted || e.peer.indexOf(eve.addr.address) !== 0));

    const again = await session.request(UNLOCK);
    x.service('Alice opens the door again', codeOf(again) === '2.04' && !lock.device.lock!.locked, codeOf(again));
  },
};
