/** A provisioned AS and device, made in memory for tests (the same shapes ace-provision writes). */
import dgram from 'node:dgram';
import { nodeProvider } from '../../device/crypto/node/provider.ts';
import { Alg, Curve } from '../../device/crypto/provider.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { curveKey, publicPart, symmetricKey } from '../../device/cose/key.ts';
import type { CoseKey } from '../../device/cose/key.ts';
import { utf8Encode } from '../../device/codec/bytes.ts';
import { portableCbor } from '../../device/codec/cbor.ts';
import { CborMap } from '../../device/codec/cbor.ts';
import { MemoryStorage } from '../../device/storage.ts';
import type { DeviceKeystore } from '../../device/runtime/keystore.ts';
import { DeviceHost } from '../../device/hosts/node/device-host.ts';
import type { DeviceTuning } from '../../device/runtime/device.ts';
import { issueToken } from '../../sim/as/issuer.ts';
import type { AsKeys, DeviceEntry, IssuedToken, TokenRequest } from '../../sim/as/issuer.ts';
import { OscoreClient } from '../../sim/phone/oscore-client.ts';
import type { PlainResponse, PreparedRequest } from '../../sim/phone/oscore-client.ts';
import { establish } from '../../sim/phone/ace-client.ts';
import type { Session } from '../../sim/phone/ace-client.ts';
import { ContentFormat, Option, Type } from '../../device/coap/numbers.ts';
import { encode as encodeCoap, encodeUint } from '../../device/coap/message.ts';

export const provider: CryptoProvider = nodeProvider();
export const codec = portableCbor;

export interface World {
  as: AsKeys;
  keystore: DeviceKeystore;
  entry: DeviceEntry;
  storage: MemoryStorage;
}

let cti = 1;

export function makeWorld(kind: 'lock' | 'sensor', hasClock: boolean, audience = kind + '-1'): World {
  const asPair = provider.generateKeyPair(Curve.Ed25519);
  const signing = curveKey(Curve.Ed25519, asPair.publicKey, asPair.privateKey, utf8Encode('as-2026'), Alg.EdDSA);
  const devPair = provider.generateKeyPair(Curve.X25519);
  const deviceKey = curveKey(Curve.X25519, devPair.publicKey, devPair.privateKey, utf8Encode('dev'), null);
  const sym: CoseKey[] = [
    symmetricKey(provider.randomBytes(16), utf8Encode('enc'), Alg.AES_CCM_16_64_128),
    symmetricKey(provider.randomBytes(32), utf8Encode('mac'), Alg.HMAC_256_64),
  ];
  const keystore: DeviceKeystore = {
    id: audience, kind, audience, mode: 'disconnected', hasClock,
    asUri: 'coap://as.example', asKeys: [publicPart(signing)], deviceKey, symmetricKeys: sym,
    asOscore: null, scopes: null, singleUse: [],
  };
  return {
    as: { signing, signingAlg: Alg.EdDSA },
    keystore,
    entry: { audience, publicKey: publicPart(deviceKey), sharedKeys: sym, hasClock },
    storage: new MemoryStorage(),
  };
}

export function mint(world: World, req: Partial<TokenRequest> & { scope: string | Uint8Array }): IssuedToken {
  const seq = cti++;
  return issueToken(world.as, world.entry, {
    form: 'signed', lifetime: 3600, now: Date.now() / 1000,
    cti: new Uint8Array([seq >> 8, seq & 255]), ...req,
  }, provider, codec);
}

export function startDevice(world: World, tuning: DeviceTuning = {}): Promise<DeviceHost> {
  return DeviceHost.start({ keystore: world.keystore, storage: world.storage, port: 0, provider, codec, tuning });
}

export async function connect(host: DeviceHost, issued: IssuedToken): Promise<{ session: Session; client: OscoreClient }> {
  const session = await establish({ host: '127.0.0.1', port: host.port, token: issued.token }, issued.material, provider);
  const client = new OscoreClient({ host: '127.0.0.1', port: host.port, context: session.context, timeoutMs: 5000 });
  return { session, client };
}

export const CBOR_FORMAT = [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.Cbor) }];

export function command(name: string, value: boolean): Uint8Array {
  return codec.encode(new CborMap().set(name, value));
}

export function stateOf(r: PlainResponse, name: string): unknown {
  const v = codec.decode(r.payload);
  return v instanceof CborMap ? v.get(name) : undefined;
}

/** A response's code as CoAP writes it ("2.05"): of a phone's response or a decoded message. */
export function codeOf(r: { code: number }): string {
  return (r.code >> 5) + '.' + String(r.code & 31).padStart(2, '0');
}

/** What an attacker who captured `prepared` sends again: the same protected request under a new message ID (so not a CoAP duplicate). */
export function replayOf(prepared: PreparedRequest): Uint8Array {
  const m = prepared.message;
  return encodeCoap({ type: Type.CON, code: m.code, messageId: 0x4242, token: new Uint8Array([9]), options: m.options, payload: m.payload });
}

/** One datagram to a device on loopback; its first answer, or null after `waitMs`. */
export function exchangeOnce(port: number, datagram: Uint8Array, waitMs = 1000): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => { s.close(); resolve(null); }, waitMs);
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(new Uint8Array(m)); });
    s.send(datagram, port, '127.0.0.1');
  });
}
