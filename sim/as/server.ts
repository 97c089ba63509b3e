/**
 * The reference authorization server as a node of the simulation. It is served by the
 * project's own CoAP stack, as a device is: Endpoint (message layer) -> OscoreServer, whose
 * protected side is /introspect (the connected devices' OSCORE channels) and whose plain side
 * is /authorize and /token. That choice keeps the AS timer-free and in virtual time without
 * node-coap's server, and reuses the OSCORE code the devices run.
 *
 * The client-AS channel is plain CoAP here: a deployment runs it over TLS/DTLS or OSCORE
 * (RFC 9200 §5.8 requires a protected channel), and the simulation's attackers are given no
 * tap on it, which is the same assumption.
 */
import { portableCbor } from '../../device/codec/cbor.ts';
import type { CborCodec } from '../../device/codec/cbor.ts';
import { toHex } from '../../device/codec/bytes.ts';
import { Endpoint } from '../../device/coap/endpoint.ts';
import type { Transport } from '../../device/coap/interfaces.ts';
import { Site } from '../../device/coap/site.ts';
import { OscoreServer } from '../../device/oscore/server.ts';
import { SecurityContext } from '../../device/oscore/context.ts';
import type { ContextLookup } from '../../device/oscore/unprotect.ts';
import { MemoryStorage } from '../../device/storage.ts';
import type { Sim } from '../core/sim.ts';
import { EndpointTimer } from '../core/endpoint-timer.ts';
import type { Addr, Receiver } from '../links/network.ts';
import { addrText, parseAddr } from '../links/network.ts';
import type { AsKeys } from './issuer.ts';
import { Directory } from './directory.ts';
import { Policy } from './policy.ts';
import type { AccessRule } from './policy.ts';
import { DeviceRegistry } from './registry.ts';
import type { DeviceRecord } from '../../provisioning/record.ts';
import { CodeStore, ReferenceStore } from './grants.ts';
import { authorizeResource, tokenResource } from './token-endpoint.ts';
import type { AsState } from './token-endpoint.ts';
import { INTROSPECT_PATH, introspectResource } from './introspect.ts';

export const AS_PORT = 5683;
/**
 * Requests the AS remembers for deduplication (RFC 7252 §4.5). A retransmitted token request
 * whose answer was lost must get that answer again, not a second redemption of a spent code:
 * this has to cover every request of EXCHANGE_LIFETIME (247 s) across all phones.
 */
const AS_DEDUP_CAPACITY = 65536;

export interface AsOptions {
  name: string;
  address: string;
  keys: AsKeys;
  /** The iss of its tokens (its URI). */
  issuer: string;
  rules: AccessRule[];
  /** Longest token lifetime (s). Default 3600. */
  maxLifetime?: number;
  codec?: CborCodec;
}

/** The AS's OSCORE contexts with devices, found by Recipient ID in one lookup. */
class ChannelTable implements ContextLookup {
  private readonly byRid = new Map<string, SecurityContext>();
  readonly audienceByName = new Map<string, string>();

  add(audience: string, context: SecurityContext): void {
    this.byRid.set(toHex(context.recipient.id), context);
    this.audienceByName.set(context.name, audience);
  }

  find(kid: Uint8Array, kidContext: Uint8Array | null): SecurityContext | null {
    const c = this.byRid.get(toHex(kid));
    if (c === undefined) return null;
    if (kidContext !== null && (c.idContext === null || toHex(c.idContext) !== toHex(kidContext))) return null;
    return c;
  }
}

export class AuthorizationServer implements Receiver, Transport {
  readonly wakesPromises = false;
  readonly addr: Addr;
  readonly registry = new DeviceRegistry();
  readonly directory: Directory;
  readonly policy: Policy;
  readonly references = new ReferenceStore();
  readonly state: AsState;
  readonly endpoint: Endpoint;
  /** What the AS decided, in order (for the report). */
  readonly journal: string[] = [];
  private readonly channels = new ChannelTable();
  private readonly storage = new MemoryStorage();
  private readonly timer: EndpointTimer;
  private cti = 1;

  constructor(private readonly sim: Sim, o: AsOptions) {
    this.timer = new EndpointTimer(sim, () => this.endpoint);
    this.addr = { address: o.address, port: AS_PORT };
    const provider = sim.provider('as/' + o.name);
    this.directory = new Directory((d) => provider.sha256(d));
    this.policy = new Policy(o.rules, sim.utcOffsetMinutes);
    const codec = o.codec ?? portableCbor;
    this.state = {
      issuer: o.issuer, keys: o.keys, registry: this.registry, directory: this.directory, policy: this.policy,
      codes: new CodeStore((n) => provider.randomBytes(n)), references: this.references, provider, codec,
      now: () => sim.wallSeconds(), maxLifetime: o.maxLifetime ?? 3600, nextCti: () => this.cti++,
      log: (line) => {
        if (sim.trace.detail) this.journal.push(sim.localTimeText() + ' ' + line);
      },
    };
    const plain = new Site().add('/authorize', authorizeResource(this.state)).add('/token', tokenResource(this.state));
    const channels = this.channels;
    const protectedSite = new Site().add(INTROSPECT_PATH,
      introspectResource(this.state, (name) => channels.audienceByName.get(name) ?? null));
    this.endpoint = new Endpoint(new OscoreServer(channels, protectedSite, plain), this, {
      randomBytes: (n) => provider.randomBytes(n), dedupCapacity: AS_DEDUP_CAPACITY, maxExchanges: 256,
    });
    sim.network.name(o.address, o.name);
    sim.network.listen(this.addr, this);
  }

  /** Registers a provisioned device; a connected one gets its OSCORE channel. */
  register(record: DeviceRecord): void {
    this.registry.add(record);
    const c = record.asOscore;
    if (c === null) return;
    this.channels.add(record.audience, new SecurityContext(this.state.provider, {
      masterSecret: c.masterSecret, masterSalt: c.masterSalt, senderId: c.senderId, recipientId: c.recipientId, idContext: c.idContext,
    }, { storage: this.storage, storageKey: 'as-seq-' + record.audience, name: 'as:' + record.audience }));
  }

  receive(datagram: Uint8Array, from: Addr): void {
    this.endpoint.receive(datagram, addrText(from));
    this.arm();
  }

  send(datagram: Uint8Array, peer: string): void {
    const to = parseAddr(peer);
    if (to !== null) this.sim.network.send(this.addr, to, datagram);
    if (this.endpoint !== undefined) this.arm();
  }

  now(): number {
    return this.sim.now();
  }

  private arm(): void {
    this.timer.arm();
  }

}
