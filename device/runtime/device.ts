/**
 * One device, assembled: the OSCORE layer, the ACE resource server and the resources of a
 * lock or a sensor, all portable, as one RequestHandler. A host puts it behind a CoAP
 * Endpoint bound to its socket or radio, and calls tick() now and then for the timers that
 * are not the endpoint's (relock, readings, token expiry).
 *
 *   Endpoint -> OscoreServer -> protected: AccessGuard -> Site
 *                            -> plain:     PublicGate  -> Site
 * (/anchors, whose updates authenticate themselves, goes to the Site from either side:
 * AnchorsGate, device/ace/anchors.ts; only where deps.anchorRotation is given.)
 */
import type { CborCodec } from '../codec/cbor.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { Clock, Storage } from '../storage.ts';
import type { CoseKey } from '../cose/key.ts';
import type { RequestHandler } from '../coap/interfaces.ts';
import { Site } from '../coap/site.ts';
import type { SiteOptions } from '../coap/site.ts';
import { OscoreServer } from '../oscore/server.ts';
import { AceResourceServer } from '../ace/rs.ts';
import type { AceConfig } from '../ace/rs.ts';
import { AccessGuard, AUTHZ_INFO, AuthzInfoResource, PublicGate } from '../ace/guard.ts';
import { AlarmResource, LockResource } from '../resources/lock.ts';
import { VitalsSensor } from '../resources/vitals.ts';
import type { VitalsSource } from '../resources/vitals.ts';
import { SyntheticVitals } from '../resources/signal.ts';
import {
  ALARM_PATH, HISTORY_PATH, LOCK_PATH, LOCK_RESOURCES, LOCK_SCOPES, SENSOR_RESOURCES, SENSOR_SCOPES, VITALS_PATH,
} from '../resources/scopes.ts';
import type { DeviceKeystore } from './keystore.ts';
import { peerOfUri } from './keystore.ts';
import { SecurityContext } from '../oscore/context.ts';
import type { AnchorRotation, AnchorStore } from '../ace/anchors.ts';
import { Introspector } from '../ace/introspection.ts';
import type { RequestSender } from '../ace/introspection.ts';

export interface DeviceDeps {
  provider: CryptoProvider;
  codec: CborCodec;
  storage: Storage;
  clock: Clock;
  /**
   * AS key rotation through signed updates at /anchors (`anchorRotation` of ace/anchors.ts),
   * or null: the keystore's AS keys stay the only ones (the Espruino build, which verifies no
   * signatures).
   */
  anchorRotation: AnchorRotation | null;
}

export interface DeviceTuning {
  site?: SiteOptions;
  /** Lock: relock this long after an unlock (0: stay open until told). */
  relockAfterMs?: number;
  /** Sensor: milliseconds between readings. */
  readingPeriodMs?: number;
  /** Sensor: where readings come from (a driver); a seeded synthetic signal by default. */
  vitalsSource?: VitalsSource;
  /** Seed of the synthetic signal. */
  seed?: number;
  /** ACE settings beyond the keystore (store sizes, leeway, rate limits). */
  ace?: Partial<AceConfig>;
}

/** The ACE configuration a keystore implies. */
export function aceConfigOf(keystore: DeviceKeystore, tuning: DeviceTuning): AceConfig {
  const lock = keystore.kind === 'lock';
  const cnfKeys: CoseKey[] = keystore.symmetricKeys.slice();
  cnfKeys.push(keystore.deviceKey);
  const config: AceConfig = {
    audience: keystore.audience,
    asUri: keystore.asUri,
    tokenKeys: keystore.asKeys.concat(keystore.symmetricKeys),
    cnfKeys: cnfKeys,
    resources: lock ? LOCK_RESOURCES : SENSOR_RESOURCES,
    textScopes: keystore.scopes || (lock ? LOCK_SCOPES : SENSOR_SCOPES),
    singleUseScopes: keystore.singleUse.length > 0 ? keystore.singleUse : lock ? ['lock:open-once'] : [],
    hasClock: keystore.hasClock,
  };
  const extra = tuning.ace;
  if (extra) {
    const keys = Object.keys(extra);
    for (let i = 0; i < keys.length; i++) (config as unknown as { [k: string]: unknown })[keys[i]] = (extra as { [k: string]: unknown })[keys[i]];
  }
  return config;
}

export class Device {
  /** What the host's Endpoint serves. */
  readonly handler: RequestHandler;
  readonly site: Site;
  readonly rs: AceResourceServer;
  readonly lock: LockResource | null = null;
  readonly alarm: AlarmResource | null = null;
  readonly vitals: VitalsSensor | null = null;
  /** What load() had to say (a discarded store, say), for the host's log. */
  readonly bootNotes: string[];
  /** The AS keys tokens may be signed with: the keystore's, then what anchor updates taught (null without rotation). */
  readonly anchors: AnchorStore | null = null;

  constructor(readonly keystore: DeviceKeystore, private readonly deps: DeviceDeps, tuning: DeviceTuning) {
    this.rs = new AceResourceServer(aceConfigOf(keystore, tuning), deps);
    this.bootNotes = this.rs.load();
    const rs = this.rs;
    const site = new Site(tuning.site);
    this.site = site;
    site.add(AUTHZ_INFO, new AuthzInfoResource(this.rs));
    const rotation = deps.anchorRotation;
    if (rotation !== null) {
      const anchors = new rotation.Store(deps, keystore.asKeys, keystore.asSeq || 0);
      this.anchors = anchors;
      const anchorNotes = anchors.load();
      for (let i = 0; i < anchorNotes.length; i++) this.bootNotes.push(anchorNotes[i]);
      // rs reads config.tokenKeys at each verification: it follows the active anchors
      if (!(tuning.ace && tuning.ace.tokenKeys)) {
        const symmetric = keystore.symmetricKeys;
        anchors.onChange(function (): void { rs.config.tokenKeys = anchors.active().concat(symmetric); });
        anchors.refresh();
      }
      site.add(rotation.path, new rotation.Resource(anchors, deps.codec, function (peer: string, granted: boolean, reason: string): void {
        rs.audit.record({ peer: peer, tokenId: null, path: rotation.path, method: 2, granted: granted, reason: reason });
      }));
    }
    if (keystore.kind === 'lock') {
      const lock = new LockResource({ clock: deps.clock, relockAfterMs: tuning.relockAfterMs });
      const alarm = new AlarmResource(true);
      lock.onChanged(function (): void { site.changed(LOCK_PATH); });
      alarm.onChanged(function (): void { site.changed(ALARM_PATH); });
      site.add(LOCK_PATH, lock);
      site.add(ALARM_PATH, alarm);
      this.lock = lock;
      this.alarm = alarm;
    } else {
      const vitals = new VitalsSensor({
        clock: deps.clock,
        source: tuning.vitalsSource || new SyntheticVitals({ seed: tuning.seed || 1 }),
        periodMs: tuning.readingPeriodMs,
      });
      vitals.onChanged(function (): void { site.changed(VITALS_PATH); });
      site.add(VITALS_PATH, vitals.current);
      site.add(HISTORY_PATH, vitals.history);
      this.vitals = vitals;
    }
    const guard: RequestHandler = new AccessGuard(this.rs, site);
    const gate: RequestHandler = new PublicGate(this.rs, site);
    this.handler = rotation === null
      ? new OscoreServer(this.rs, guard, gate)
      : new OscoreServer(this.rs, new rotation.Gate(site, guard), new rotation.Gate(site, gate));
  }

  /**
   * Connects the device's own requests to the host's endpoint. A connected device (keystore
   * mode "connected") then checks reference tokens with the AS by introspection.
   */
  attach(sender: RequestSender): void {
    const o = this.keystore.asOscore;
    if (this.keystore.mode !== 'connected' || o === null) return;
    const context = new SecurityContext(this.deps.provider, {
      masterSecret: o.masterSecret, masterSalt: o.masterSalt, senderId: o.senderId, recipientId: o.recipientId, idContext: o.idContext,
    }, { storage: this.deps.storage, storageKey: 'as-oscore-seq', sequenceStep: 16 });
    this.rs.introspector = new Introspector(sender, context, peerOfUri(this.keystore.asUri), this.deps.codec);
  }

  /** The device's own timers: auto-relock, sensor readings, token expiry. A few times a second. */
  tick(): void {
    if (this.lock) this.lock.poll();
    if (this.vitals) this.vitals.tick();
    if (this.anchors) this.anchors.refresh();
    this.rs.purge();
    this.rs.flushIfDue();
  }

  /** Writes what is batched (audit log); at shutdown. */
  flush(): void {
    this.rs.flush();
  }
}
