/**
 * Alice away from home reads her sensor through the home hub: her phone's CoAP goes over the
 * cellular network (UDP) to the hub, which relays each datagram over BLE to the sensor. OSCORE
 * is end to end: the hub relays bytes it cannot read or alter unnoticed.
 */
import type { Scenario } from './scenario.ts';
import { coapLabel } from '../core/coap-label.ts';
import { HOME, alicePhone, codeOf, enrol, sensor } from './home.ts';

export const sensorViaHub: Scenario = {
  name: 'sensor-via-hub',
  title: 'The sensor read remotely through a BLE-UDP hub',
  description: 'Cellular UDP to the home hub, BLE from the hub to the sensor; creation hints, token post and OSCORE ' +
    'requests all relayed as opaque datagrams, so protection stays end to end.',
  world: HOME,
  async run(w, x) {
    enrol(w);
    const dev = sensor(w);
    const phone = alicePhone(w);
    const hub = w.addBridge('home-hub');
    const ble = w.ble(hub, dev, { attMtu: 185, loss: 0.02 });
    const seen: string[] = [];
    w.sim.network.tap(ble, (tx) => seen.push(coapLabel(tx.bytes))); // what the hub (or its BLE neighbour) can read
    w.wifi(phone, hub, { loss: 0.03, delayMs: 60, jitterMs: 40 }, 'alice-phone~home-hub (cellular)');
    const via = hub.expose(dev.addr);
    await w.sim.until(3000);
    const hints = await phone.hints(via, '/vitals');
    const grant = await phone.obtainToken(hints.audience, 'vitals:read', hints.cnonce);
    const session = await phone.connect(via, grant);
    const r = await session.request({ method: 'GET', path: '/vitals' });
    x.service('Alice reads her vitals through the hub', codeOf(r) === '2.05' && r.payload.length > 100, codeOf(r));
    x.service('the hub relayed both ways', hub.relayed.toDevice >= 3 && hub.relayed.toRemote >= 3,
      hub.relayed.toDevice + ' to the sensor, ' + hub.relayed.toRemote + ' back');
    const requests = seen.filter((l) => /^CON (GET|POST|FETCH)/.test(l));
    const afterPost = requests.slice(requests.findIndex((l) => l.indexOf('/authz-info') >= 0) + 1);
    x.security('past the token post, the hub relays only OSCORE: no path, no method, no payload it can read',
      afterPost.length > 0 && afterPost.every((l) => l.indexOf('[OSCORE]') >= 0 && l.indexOf('/vitals') < 0), afterPost.join('; '));
  },
};
