/**
 * A provisioned AS and lock, in memory (the shapes ace-provision writes), and tokens minted by
 * the reference AS (sim/as/issuer.ts): signed CWTs whose cnf is the PoP key encrypted to the
 * device's own key by ECDH-ES. Two suites: EdDSA tokens to an X25519 device key, and ES256
 * tokens to a P-256 device key.
 */
import { nodeProvider } from '../device/crypto/node/provider.ts';
import { Alg, Curve } from '../device/crypto/provider.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { curveKey, publicPart, symmetricKey } from '../device/cose/key.ts';
import type { CoseKey } from '../device/cose/key.ts';
import { utf8Encode } from '../device/codec/bytes.ts';
import { portableCbor } from '../device/codec/cbor.ts';
import type { DeviceKeystore } from '../device/runtime/keystore.ts';
import { issueToken } from '../sim/as/issuer.ts';
import type { AsKeys, DeviceEntry, IssuedToken } from '../sim/as/issuer.ts';

export type Suite = 'EdDSA' | 'ES256';

export interface World {
  suite: Suite;
  as: AsKeys;
  keystore: DeviceKeystore;
  entry: DeviceEntry;
}

/** Keys are made with the Node provider; which provider mints does not change the bytes' validity. */
const minter: CryptoProvider = nodeProvider();

export function makeWorld(suite: Suite, audience = 'lock-1'): World {
  const eddsa = suite === 'EdDSA';
  const asPair = minter.generateKeyPair(eddsa ? Curve.Ed25519 : Curve.P256);
  const signing = curveKey(asPair.curve, asPair.publicKey, asPair.privateKey, utf8Encode('as-1'), eddsa ? Alg.EdDSA : Alg.ES256);
  const devPair = minter.generateKeyPair(eddsa ? Curve.X25519 : Curve.P256);
  const deviceKey = curveKey(devPair.curve, devPair.publicKey, devPair.privateKey, utf8Encode('dev'), null);
  const sym: CoseKey[] = [
    symmetricKey(minter.randomBytes(16), utf8Encode('enc'), Alg.AES_CCM_16_64_128),
    symmetricKey(minter.randomBytes(32), utf8Encode('mac'), Alg.HMAC_256_64),
  ];
  const keystore: DeviceKeystore = {
    id: audience, kind: 'lock', audience, mode: 'disconnected', hasClock: true,
    asUri: 'coap://as.example', asKeys: [publicPart(signing)], deviceKey, symmetricKeys: sym,
    asOscore: null, scopes: null, singleUse: [],
  };
  return {
    suite,
    as: { signing, signingAlg: eddsa ? Alg.EdDSA : Alg.ES256 },
    keystore,
    entry: { audience, publicKey: publicPart(deviceKey), sharedKeys: sym, hasClock: true },
  };
}

let cti = 1;

/** A fresh token (new cti, new PoP key, new ephemeral ECDH key) for `scope`, valid an hour. */
export function mintSigned(world: World, scope: string): IssuedToken {
  const seq = cti++;
  return issueToken(world.as, world.entry, {
    form: 'signed', to: 'device-key', scope, lifetime: 3600, now: Math.floor(Date.now() / 1000),
    cti: new Uint8Array([(seq >> 16) & 255, (seq >> 8) & 255, seq & 255]),
  }, minter, portableCbor);
}
