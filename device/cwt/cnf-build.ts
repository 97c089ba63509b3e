/**
 * Building cnf claims (RFC 8747 §3, RFC 9203 §3.2) on the AS side. Kept apart from the
 * verify path (cnf.ts), whose types they share.
 */
import { fail } from '../errors.ts';
import { CborCodec, CborMap, CborValue } from '../codec/cbor.ts';
import { CryptoProvider } from '../crypto/provider.ts';
import { KeyType } from '../cose/iana.ts';
import { CoseKey, coseKeyToMap, publicPart } from '../cose/key.ts';
import { EncryptOptions, createEncrypt0 } from '../cose/encrypt0.ts';
import { EcdhOptions, createEncrypt } from '../cose/encrypt.ts';
import { OscoreInputMaterial, parseOsc } from './cnf.ts';
import { CnfMethod, OscLabel } from './iana.ts';

function cnf(method: number, value: CborValue): CborMap {
  return new CborMap().set(method, value);
}

/**
 * cnf with a COSE_Key in the clear: the public part of an asymmetric key, or a symmetric key
 * (the device accepts that only inside an encrypted token).
 */
export function cnfWithKey(key: CoseKey): CborMap {
  const k = key.kty === KeyType.Symmetric ? key : publicPart(key);
  return cnf(CnfMethod.CoseKey, coseKeyToMap(k, true));
}

/** cnf naming a key the device already holds. */
export function cnfWithKid(kid: Uint8Array): CborMap {
  return cnf(CnfMethod.Kid, kid);
}

/** The OSCORE_Input_Material map (RFC 9203 §3.2.1); checked with the device's own parser. */
export function oscToMap(osc: OscoreInputMaterial): CborMap {
  const m = new CborMap();
  m.set(OscLabel.Id, osc.id);
  if (osc.version !== null) m.set(OscLabel.Version, osc.version);
  m.set(OscLabel.Ms, osc.ms);
  if (osc.hkdf !== null) m.set(OscLabel.Hkdf, osc.hkdf);
  if (osc.alg !== null) m.set(OscLabel.Alg, osc.alg);
  if (osc.salt !== null) m.set(OscLabel.Salt, osc.salt);
  if (osc.contextId !== null) m.set(OscLabel.ContextId, osc.contextId);
  parseOsc(m);
  return m;
}

/** cnf with OSCORE input material (the token must then be encrypted). */
export function cnfWithOsc(osc: OscoreInputMaterial): CborMap {
  return cnf(CnfMethod.Osc, oscToMap(osc));
}

function keyPlaintext(key: CoseKey, codec: CborCodec): Uint8Array {
  if (key.kty !== KeyType.Symmetric && key.privateKey === null) fail('bad_request', 'a public key needs no encryption');
  return codec.encode(coseKeyToMap(key, true));
}

/** cnf with an Encrypted_COSE_Key: COSE_Encrypt0 under the AS–device key `kek` (untagged, as in RFC 8747 §3.3). */
export function cnfWithEncryptedKey(key: CoseKey, kek: CoseKey, alg: number, opts: EncryptOptions, provider: CryptoProvider, codec: CborCodec): CborMap {
  return cnf(CnfMethod.EncryptedCoseKey, createEncrypt0(keyPlaintext(key, codec), kek, alg, opts, provider, codec));
}

/** cnf with an Encrypted_COSE_Key: COSE_Encrypt with ECDH-ES + HKDF-256 to the device's public key. */
export function cnfWithKeyToDevice(key: CoseKey, devicePublicKey: CoseKey, contentAlg: number, opts: EcdhOptions, provider: CryptoProvider, codec: CborCodec): CborMap {
  return cnf(CnfMethod.EncryptedCoseKey, createEncrypt(keyPlaintext(key, codec), devicePublicKey, contentAlg, opts, provider, codec));
}
