/**
 * Alice's medical sensor: disconnected from any network and without a clock, read from her
 * phone over Bluetooth LE (ATT_MTU 23: every CoAP message is cut into 19-byte GATT
 * fragments). The phone asks the sensor for creation hints (the cnonce a clockless device
 * needs), gets a signed token whose PoP key is encrypted to the sensor, posts it over BLE,
 * reads /vitals, observes it — through 30 s out of range (t = 10 s..40 s), where the BLE
 * connection drops after its supervision timeout and comes back — and finally fetches the
 * history, several KB, in Block2 blocks, each its own OSCORE request. Her parents are refused
 * the sensor by the AS.
 */
import { portableCbor } from '../../device/codec/cbor.ts';
import type { PlainResponse } from '../phone/oscore-client.ts';
import type { Scenario } from './scenario.ts';
import { HOME, alicePhone, attempt, codeOf, enrol, outcome, parentsPhone, sensor } from './home.ts';

export const OUT_OF_RANGE = { from: 10000, to: 40000 };

export const sensorBle: Scenario = {
  name: 'sensor-ble',
  title: 'The disconnected medical sensor over BLE: Observe through a disconnection, Block2 history',
  description: 'Creation hints with a cnonce, an exi token with cnf encrypted to the sensor, OSCORE over GATT fragments ' +
    '(ATT_MTU 23), Observe notifications across an out-of-range window (supervision timeout, reconnection), ' +
    'the vitals history in Block2 blocks under OSCORE.',
  world: HOME,
  limitMs: 3600000,
  async run(w, x) {
    enrol(w);
    const dev = sensor(w);
    const phone = alicePhone(w);
    const ble = w.ble(phone, dev, { attMtu: 23, connIntervalMs: 30, loss: 0.03, partitions: [OUT_OF_RANGE] });
    const sim = w.sim;

    const hints = await phone.hints(dev.addr, '/vitals');
    x.service('the sensor answers with creation hints and a cnonce', hints.cnonce !== null && hints.audience === dev.name);
    const grant = await phone.obtainToken(hints.audience, 'vitals:read', hints.cnonce);
    const session = await phone.connect(dev.addr, grant);
    await sim.until(2000); // the first reading is taken a second after power-on
    const first = await session.request({ method: 'GET', path: '/vitals' });
    x.service('Alice reads her vitals over BLE', codeOf(first) === '2.05' && first.payload.length > 100, codeOf(first) + ', ' + first.payload.length + ' B');

    const seen: number[] = [];
    const observation = await session.observe({ method: 'GET', path: '/vitals' }, () => seen.push(sim.now()));
    phone.note('observing /vitals');
    await sim.until(70000);
    const cancelled = await attempt(() => observation.cancel());
    phone.note('observation cancelled: ' + outcome(cancelled));
    const during = seen.filter((t) => t >= OUT_OF_RANGE.from && t < OUT_OF_RANGE.to).length;
    const after = seen.filter((t) => t >= OUT_OF_RANGE.to).length;
    x.service('notifications arrive before the sensor goes out of range', seen.filter((t) => t < OUT_OF_RANGE.from).length >= 1, seen.length + ' in all');
    x.service('nothing arrives while out of range', during === 0, during + ' during the window');
    x.service('the BLE link dropped and reconnected', sim.trace.counters.bleDisconnects >= 1 && sim.trace.counters.bleReconnects >= 1 && (ble as { isConnected?: boolean }).isConnected === true);
    x.service('notifications resume after reconnection', after >= 2, after + ' after the window');

    await sim.until(330000); // five minutes of readings: a history of several blocks
    let history: PlainResponse | null = null;
    let decoded = false;
    for (let tries = 0; tries < 3 && !decoded; tries++) {
      history = await session.request({ method: 'GET', path: '/vitals/history' });
      try {
        decoded = Array.isArray(portableCbor.decode(history.payload));
      } catch {
        phone.note('history changed between blocks: fetching again');
      }
    }
    x.service('the history arrives in Block2 blocks and decodes as SenML', codeOf(history) === '2.05' && decoded && (history?.payload.length ?? 0) > 1024,
      codeOf(history) + ', ' + (history?.payload.length ?? 0) + ' B');
    x.service('messages were fragmented for GATT', sim.trace.counters.bleFragments > 100, sim.trace.counters.bleFragments + ' fragments');

    const parents = parentsPhone(w);
    const refused = await attempt(() => parents.obtainToken(dev.name, 'vitals:read', hints.cnonce));
    x.security("the parents get no token for Alice's sensor", !refused.ok, outcome(refused));
  },
};
