/**
 * A monitoring company's server (a machine: client credentials, no user) checks the front
 * door's alarm and lock state. Its policy gives it alarm:read lock:read: it reads, and the
 * lock refuses it a disarm (4.05: the method is not in its scope) and an unlock.
 */
import type { Scenario } from './scenario.ts';
import { DISARM, HOME, MONITORING, UNLOCK, codeOf, enrol, frontDoor } from './home.ts';

export const monitoringMachine: Scenario = {
  name: 'monitoring-machine',
  title: 'A machine client (client credentials) reads the alarm, cannot disarm it',
  description: 'The client credentials grant for a confidential client; a read-only scope enforced by the lock ' +
    '(RFC 9200 §5.10.2: 4.05 for a method outside the scope); a wrong secret refused by the AS.',
  world: HOME,
  async run(w, x) {
    enrol(w);
    const lock = frontDoor(w);
    const server = w.addMachine('monitoring-server', MONITORING.id);
    w.wifi(server, lock, { delayMs: 30, jitterMs: 10, loss: 0.01 }, 'monitoring-server~front-door (internet)');
    const bad = await server.machineToken(lock.name, 'alarm:read', 'guessed-secret').then(() => 'granted', (e) => String(e.message));
    x.security('a wrong client secret gets no token', bad.indexOf('4.01') >= 0, bad);
    const grant = await server.machineToken(lock.name, 'alarm:read lock:read', MONITORING.secret);
    const session = await server.connect(lock.addr, grant);
    const alarm = await session.request({ method: 'GET', path: '/alarm' });
    const door = await session.request({ method: 'GET', path: '/lock' });
    x.service('the server reads the alarm and the lock', codeOf(alarm) === '2.05' && codeOf(door) === '2.05', codeOf(alarm) + ' ' + codeOf(door));
    const disarm = await session.request(DISARM);
    const unlock = await session.request(UNLOCK);
    x.security('the server cannot disarm or unlock', codeOf(disarm) === '4.05' && codeOf(unlock) === '4.05' &&
      lock.device.alarm!.armed && lock.device.lock!.locked, codeOf(disarm) + ' ' + codeOf(unlock));
  },
};
