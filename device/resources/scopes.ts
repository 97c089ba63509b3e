/**
 * The devices' resource tables and the default meaning of their text scopes: configuration
 * data for the ACE layer (scope.ts), kept beside the resources it describes.
 *
 * - *_RESOURCES: the methods each resource takes, for restrictTo (a token whose scope covers
 *   none of them is refused with invalid_scope).
 * - *_SCOPES: what each text scope token allows. AIF sees methods, not payloads: `lock:open`
 *   (POST /lock) may lock as well as unlock, `alarm:disarm` may arm as well as disarm.
 */
import { AifMethod } from '../ace/numbers.ts';
import type { Grant, TextScopeDefinition } from '../ace/scope.ts';

export const LOCK_PATH = '/lock';
export const ALARM_PATH = '/alarm';
export const VITALS_PATH = '/vitals';
export const HISTORY_PATH = '/vitals/history';

export const LOCK_RESOURCES: Grant[] = [
  { path: LOCK_PATH, methods: AifMethod.GET | AifMethod.POST },
  { path: ALARM_PATH, methods: AifMethod.GET | AifMethod.POST },
];

export const SENSOR_RESOURCES: Grant[] = [
  { path: VITALS_PATH, methods: AifMethod.GET },
  { path: HISTORY_PATH, methods: AifMethod.GET },
];

export const LOCK_SCOPES: TextScopeDefinition = {
  'lock:open': [{ path: LOCK_PATH, methods: AifMethod.POST | AifMethod.GET }],
  // the same rights, on a token the device spends after its first successful use
  'lock:open-once': [{ path: LOCK_PATH, methods: AifMethod.POST | AifMethod.GET }],
  'lock:read': [{ path: LOCK_PATH, methods: AifMethod.GET }],
  'alarm:disarm': [{ path: ALARM_PATH, methods: AifMethod.POST | AifMethod.GET }],
  'alarm:read': [{ path: ALARM_PATH, methods: AifMethod.GET }],
};

export const SENSOR_SCOPES: TextScopeDefinition = {
  'vitals:read': [
    { path: VITALS_PATH, methods: AifMethod.GET },
    { path: HISTORY_PATH, methods: AifMethod.GET },
  ],
};
