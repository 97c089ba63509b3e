/**
 * The servers table 3 puts under load, all on 127.0.0.1 with a port picked by the system, all
 * answering GET /lock with the lock's state (CBOR {"locked": true}, Content-Format 60):
 * (a) a bare node:dgram responder that echoes a fixed piggybacked 2.05 (the floor);
 * (b) node-coap's server;
 * (c) the device's CoAP stack, plain: device/hosts/node/udp.ts UdpServer with a Site;
 * (d) the full device runtime behind OSCORE: device/hosts/node/device-host.ts DeviceHost, with a
 *     token posted to /authz-info first by the project's phone client (sim/phone/ace-client.ts).
 */
import dgram from 'node:dgram';
import { createServer as coapCreateServer } from 'coap';
import type { IncomingMessage, OutgoingMessage } from 'coap';
import { concatBytes, toHex } from '../device/codec/bytes.ts';
import type { CborCodec } from '../device/codec/cbor.ts';
import { portableCbor } from '../device/codec/cbor.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { MemoryStorage } from '../device/storage.ts';
import type { Storage } from '../device/storage.ts';
import { Site } from '../device/coap/site.ts';
import type { CoapResponse, Exchange } from '../device/coap/interfaces.ts';
import { Method } from '../device/coap/numbers.ts';
import { fail } from '../device/errors.ts';
import { UdpServer } from '../device/hosts/node/udp.ts';
import { DeviceHost } from '../device/hosts/node/device-host.ts';
import type { DeviceTuning } from '../device/runtime/device.ts';
import { establish } from '../sim/phone/ace-client.ts';
import { LOCK_CONTENT, LOCK_STATE } from './oscore-ops.ts';
import type { ContextHex } from './loadgen.ts';
import { makeWorld, mintSigned } from './world.ts';

export interface RunningServer {
  port: number;
  /** For OSCORE servers: the client's context inputs, as the phone derived them. */
  context?: ContextHex;
  /** The device runtime, when there is one (memory, audit counts). */
  host?: DeviceHost;
  close(): Promise<void>;
}

function bindSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** (a) The floor: parse nothing but the header and token; answer ACK 2.05 with the fixed state. */
export async function startFloor(): Promise<RunningServer> {
  const socket = await bindSocket();
  // ACK 2.05 | token | Content-Format (12) = 60 | 0xFF | state
  const tail = Buffer.from([0xc1, 60, 0xff, ...LOCK_STATE]);
  socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    if (msg.length < 4 || msg[0] >> 6 !== 1 || ((msg[0] >> 4) & 3) !== 0) return;
    const tkl = msg[0] & 15;
    if (tkl > 8 || msg.length < 4 + tkl) return;
    const out = Buffer.allocUnsafe(4 + tkl + tail.length);
    out[0] = 0x60 | tkl;
    out[1] = 0x45;
    out[2] = msg[2];
    out[3] = msg[3];
    msg.copy(out, 4, 4, 4 + tkl);
    tail.copy(out, 4 + tkl);
    socket.send(out, rinfo.port, rinfo.address);
  });
  socket.on('error', () => {});
  return { port: socket.address().port, close: () => closeSocket(socket) };
}

/** (b) node-coap's server on a socket bound here (so the port is known). */
export async function startNodeCoap(): Promise<RunningServer> {
  const socket = await bindSocket();
  const server = coapCreateServer((req: IncomingMessage, res: OutgoingMessage) => {
    if (req.method !== 'GET') {
      res.code = '4.05';
      res.end();
      return;
    }
    res.setOption('Content-Format', 'application/cbor');
    res.end(Buffer.from(LOCK_STATE));
  });
  await new Promise<void>((resolve) => server.listen(socket, () => resolve()));
  return {
    port: socket.address().port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeSocket(socket);
    },
  };
}

/** (c) The device's CoAP stack: the portable Endpoint on the Node UDP host, a Site with /lock. */
export async function startDevicePlain(): Promise<RunningServer> {
  const site = new Site();
  site.add('/lock', {
    linkAttributes: ';ct=60',
    observable: false,
    render: (exchange: Exchange): CoapResponse => {
      if (exchange.request.code !== Method.GET) return fail('method_not_allowed', 'only GET');
      return LOCK_CONTENT;
    },
  });
  const server = await UdpServer.listen(site, { host: '127.0.0.1', port: 0 });
  return { port: server.address().port, close: () => server.close() };
}

export interface DeviceServerOptions {
  provider: CryptoProvider;
  codec: CborCodec;
  /** Where the device keeps tokens, audit log and sequence records; memory by default. */
  storage?: Storage;
  tuning?: DeviceTuning;
}

/**
 * (d) The whole device: a lock provisioned in memory, a signed EdDSA token with scope lock:read
 * posted to /authz-info by the phone client; returns the phone's OSCORE context inputs
 * (RFC 9203 §4.3: Master Salt = bstr(salt) | bstr(N1) | bstr(N2), Sender ID = ID2).
 */
export async function startDeviceOscore(o: DeviceServerOptions): Promise<RunningServer> {
  const world = makeWorld('EdDSA');
  const host = await DeviceHost.start({
    keystore: world.keystore, storage: o.storage ?? new MemoryStorage(), host: '127.0.0.1', port: 0,
    provider: o.provider, codec: o.codec, tickMs: 250, tuning: o.tuning,
  });
  try {
    const issued = mintSigned(world, 'lock:read');
    const session = await establish({ host: '127.0.0.1', port: host.port, token: issued.token }, issued.material, o.provider);
    const m = issued.material;
    const salt = concatBytes([
      portableCbor.encode(m.salt ?? new Uint8Array(0)), portableCbor.encode(session.nonce1), portableCbor.encode(session.nonce2),
    ]);
    const context: ContextHex = {
      masterSecret: toHex(m.masterSecret), masterSalt: toHex(salt),
      senderId: toHex(session.senderId), recipientId: toHex(session.recipientId),
      idContext: m.idContext === null ? null : toHex(m.idContext), aeadAlg: m.aeadAlg,
    };
    return { port: host.port, context, host, close: () => host.close() };
  } catch (e) {
    await host.close();
    throw e;
  }
}
