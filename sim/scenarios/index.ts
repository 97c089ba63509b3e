/** Every scenario `ace-sim run` knows, in the order the report lists them. */
import type { Scenario } from './scenario.ts';
import { doorLockEvening } from './door-lock.ts';
import { sensorBle } from './sensor-ble.ts';
import { sensorViaHub } from './sensor-hub.ts';
import { monitoringMachine } from './monitoring.ts';
import { stolenToken } from './attacks/stolen-token.ts';
import { replayedRequest } from './attacks/replay.ts';
import { tamperedToken } from './attacks/tampered-token.ts';
import { expiredToken } from './attacks/expired-token.ts';
import { wrongDevice } from './attacks/wrong-device.ts';
import { codeInterception } from './attacks/code-interception.ts';
import { rebootMidSession } from './attacks/reboot.ts';
import { tokenFlood } from './attacks/token-flood.ts';

export const SCENARIOS: Scenario[] = [
  doorLockEvening, sensorBle, sensorViaHub, monitoringMachine,
  stolenToken, replayedRequest, tamperedToken, expiredToken, wrongDevice, codeInterception, rebootMidSession, tokenFlood,
];

/** The scenario shown as a message sequence chart in the HTML report. */
export const CHART_SCENARIO = doorLockEvening.name;

export function scenarioNamed(name: string): Scenario | null {
  return SCENARIOS.find((s) => s.name === name) ?? null;
}
