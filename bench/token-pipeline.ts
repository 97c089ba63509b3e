/**
 * Table 1: the device's token work, per second, on the portable (noble) and the Node provider,
 * with both CBOR codecs.
 *
 * - verify: device/cwt/verify.ts verifyCwt on a signed CWT minted by sim/as/issuer.ts, with the
 *   device's own policy (the keys and audience aceConfigOf derives from the keystore): the
 *   signature, the claims, and the cnf PoP key decrypted by ECDH-ES + HKDF + AES-CCM.
 * - authz-info: AceResourceServer.postToken on the CBOR body a phone posts: the verify above,
 *   scope, token store write (sealed, SHA-256), audit, OSCORE context derivation.
 *
 * Every case cycles through a pool of distinct tokens (more than the Node provider's public key
 * cache holds), so each verification meets a fresh ephemeral ECDH key as a real device would;
 * the AS's signing key repeats, as it does in the field.
 */
import { performance } from 'node:perf_hooks';
import { CborMap } from '../device/codec/cbor.ts';
import type { CborCodec } from '../device/codec/cbor.ts';
import { portableCbor } from '../device/codec/cbor.ts';
import { cborX } from '../device/hosts/node/cbor-x.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { nobleProvider } from '../device/crypto/noble/provider.ts';
import { nodeProvider } from '../device/crypto/node/provider.ts';
import { MemoryStorage } from '../device/storage.ts';
import type { Clock } from '../device/storage.ts';
import { verifyCwt } from '../device/cwt/verify.ts';
import type { CwtPolicy } from '../device/cwt/verify.ts';
import { AceResourceServer } from '../device/ace/rs.ts';
import { AceParam } from '../device/ace/numbers.ts';
import { aceConfigOf } from '../device/runtime/device.ts';
import { makeWorld, mintSigned } from './world.ts';
import type { Suite, World } from './world.ts';
import { measureInterleaved, ratioOf } from './stats.ts';
import type { Case, SampleOptions, Summary } from './stats.ts';

export const PROVIDERS: { name: string; provider: CryptoProvider }[] = [
  { name: 'portable', provider: nobleProvider() },
  { name: 'node', provider: nodeProvider() },
];

export const CODECS: CborCodec[] = [portableCbor, cborX];

/** More than the Node provider's public key cache (64), so ephemeral keys are never cached. */
const POOL = 96;

export const wallClock: Clock = {
  nowSeconds: () => Date.now() / 1000,
  monotonicMs: () => performance.now(),
};

export interface PipelineRow {
  operation: string;
  suite: Suite;
  codec: string;
  portable: Summary;
  node: Summary;
  /** node ÷ portable */
  ratio: Summary;
}

function policyOf(world: World): CwtPolicy {
  const config = aceConfigOf(world.keystore, {});
  return { keys: config.tokenKeys, cnfKeys: config.cnfKeys, audience: config.audience, clock: wallClock, leewaySeconds: 0 };
}

/** The CBOR body a phone posts to /authz-info (RFC 9203 §4.1). */
function authzBody(token: Uint8Array, i: number, codec: CborCodec): Uint8Array {
  const body = new CborMap();
  body.set(AceParam.AccessToken, token);
  body.set(AceParam.Nonce1, new Uint8Array([1, 2, 3, 4, 5, 6, 7, i & 255]));
  body.set(AceParam.AceClientRecipientId, new Uint8Array([i & 255]));
  return codec.encode(body);
}

function verifyCase(world: World, tokens: Uint8Array[], provider: CryptoProvider, codec: CborCodec): Case {
  const policy = policyOf(world);
  // the device's work must succeed, and the PoP key must come out of cnf
  for (const t of tokens) {
    const v = verifyCwt(t, policy, provider, codec);
    const c = v.confirmation;
    if (c === null || c.kind !== 'key' || !c.encrypted || c.key.k === null) throw new Error('cnf key not recovered');
  }
  let i = 0;
  return {
    name: 'verify',
    op: () => {
      verifyCwt(tokens[i], policy, provider, codec);
      i = (i + 1) % tokens.length;
    },
  };
}

/**
 * postToken per second. The store holds 8 tokens (the device default), so every 8 posts a fresh
 * resource server takes over; building it is outside the timed part.
 */
function authzCase(world: World, tokens: Uint8Array[], provider: CryptoProvider, codec: CborCodec): Case {
  const config = aceConfigOf(world.keystore, {});
  const bodies = tokens.map((t, i) => authzBody(t, i, codec));
  const fresh = () => {
    const rs = new AceResourceServer(config, { provider, codec, storage: new MemoryStorage(), clock: wallClock });
    rs.load();
    return rs;
  };
  let next = 0;
  const batch = (rs: AceResourceServer) => {
    for (let k = 0; k < 8; k++) {
      rs.postToken(bodies[next], '127.0.0.1:40000');
      next = (next + 1) % bodies.length;
    }
  };
  // check once that it is accepted and a context exists
  const check = fresh();
  batch(check);
  if (check.contexts.size !== 8) throw new Error('authz-info did not derive 8 contexts');
  next = 0;
  return {
    name: 'authz-info',
    op: () => {},
    run: (ms: number) => {
      let timed = 0;
      let posts = 0;
      while (timed < ms) {
        const rs = fresh();
        const t0 = performance.now();
        batch(rs);
        timed += performance.now() - t0;
        posts += 8;
      }
      return (posts * 1000) / timed;
    },
  };
}

export function runPipeline(o: SampleOptions, log: (s: string) => void): PipelineRow[] {
  const rows: PipelineRow[] = [];
  for (const suite of ['EdDSA', 'ES256'] as Suite[]) {
    const world = makeWorld(suite);
    const tokens: Uint8Array[] = [];
    for (let i = 0; i < POOL; i++) tokens.push(mintSigned(world, 'lock:open').token);
    for (const operation of ['verify', 'authz-info']) {
      for (const codec of CODECS) {
        log(`  ${suite} ${operation} (${codec.name})`);
        const cases = PROVIDERS.map((p) =>
          operation === 'verify' ? verifyCase(world, tokens, p.provider, codec) : authzCase(world, tokens, p.provider, codec));
        const [portable, node] = measureInterleaved(cases, o);
        rows.push({ operation, suite, codec: codec.name, portable, node, ratio: ratioOf(node, portable) });
      }
    }
  }
  return rows;
}
