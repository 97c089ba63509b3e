/**
 * Minting access tokens for a device: the one code path the reference AS and
 * `ace-provision token` share. The device accepts every form made here:
 *
 * - `signed`: a COSE_Sign1 CWT (EdDSA or ES256, the AS's signing key) whose cnf is an
 *   Encrypted_COSE_Key: the phone's symmetric PoP key, encrypted to the device — with
 *   ECDH-ES + HKDF-256 to the device's own public key (`to: 'device-key'`), or with
 *   COSE_Encrypt0 under an AS–device key (`to: 'shared-key'`).
 * - `osc`: RFC 9203's own form: a COSE_Encrypt0 CWT under an AS–device key whose cnf is the
 *   OSCORE input material (`osc`); with `nested`, a signed CWT inside the Encrypt0.
 * - `maced`: a COSE_Mac0 CWT (HMAC 256/64, AS–device key) with an Encrypted_COSE_Key under
 *   that key: the symmetric profile a low-power board can verify.
 *
 * The client material returned is what the phone needs to derive its OSCORE context.
 */
import type { CborCodec } from '../../device/codec/cbor.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { Alg } from '../../device/crypto/provider.ts';
import type { CoseKey } from '../../device/cose/key.ts';
import { keyUsableFor, symmetricKey } from '../../device/cose/key.ts';
import { KeyOp } from '../../device/cose/iana.ts';
import { buildClaims, encryptCwt, macCwt, nestCwt, signCwt } from '../../device/cwt/mint.ts';
import type { ClaimsInput } from '../../device/cwt/mint.ts';
import { cnfWithEncryptedKey, cnfWithKeyToDevice, cnfWithOsc } from '../../device/cwt/cnf-build.ts';
import { AceProfile } from '../../device/ace/numbers.ts';

/** What the AS knows of a device (the provisioning record's keys). */
export interface DeviceEntry {
  audience: string;
  /** The device's public key (X25519 or P-256), for ECDH-ES. */
  publicKey: CoseKey | null;
  /** AS–device symmetric keys (one for AES-CCM, one for HMAC: a key serves one algorithm). */
  sharedKeys: CoseKey[];
  /** Whether the device has a real-time clock (else the token carries exi and a cnonce). */
  hasClock: boolean;
}

export interface TokenRequest {
  form: 'signed' | 'osc' | 'maced';
  /** For `signed`: how the PoP key reaches the device. Default: the device key when known. */
  to?: 'device-key' | 'shared-key';
  /** For `osc`: put a signed CWT inside the Encrypt0. */
  nested?: boolean;
  scope: string | Uint8Array;
  /** Lifetime in seconds: exp = now + lifetime with a clock, exi = lifetime without. */
  lifetime: number;
  /** The AS's wall time (seconds). */
  now: number;
  issuer?: string;
  subject?: string;
  /** From the device's creation hints (clockless devices need it). */
  cnonce?: Uint8Array;
  /** cti; for exi tokens a sequence number (RFC 9200 §5.10.3), big-endian. */
  cti: Uint8Array;
  /** The phone's PoP key (16 bytes); a fresh one when absent. */
  popKey?: Uint8Array;
  /** Identifier of the PoP key / OSCORE input material. */
  popKid?: Uint8Array;
  /** OSCORE input salt for `osc`. */
  salt?: Uint8Array;
  /** OSCORE ID Context for `osc`. */
  contextId?: Uint8Array;
}

/** What the phone needs to derive the OSCORE context with the device (RFC 9203 §4.3). */
export interface ClientMaterial {
  masterSecret: Uint8Array;
  salt: Uint8Array | null;
  idContext: Uint8Array | null;
  aeadAlg: number;
  /** osc id or PoP key kid. */
  id: Uint8Array;
}

export interface IssuedToken {
  token: Uint8Array;
  material: ClientMaterial;
  /** Seconds the token lives (expires_in for the phone). */
  expiresIn: number;
}

export interface AsKeys {
  /** The AS's signing key pair (Ed25519 or P-256), with kid. */
  signing: CoseKey;
  /** Its algorithm: Alg.EdDSA or Alg.ES256. */
  signingAlg: number;
}

const AEAD = Alg.AES_CCM_16_64_128;

function claimsOf(device: DeviceEntry, req: TokenRequest, cnf: ClaimsInput['cnf']): ClaimsInput {
  const c: ClaimsInput = {
    aud: device.audience,
    scope: req.scope,
    cti: req.cti,
    iat: req.now,
    cnf: cnf,
    aceProfile: AceProfile.CoapOscore,
  };
  if (req.issuer !== undefined) c.iss = req.issuer;
  if (req.subject !== undefined) c.sub = req.subject;
  if (device.hasClock) c.exp = req.now + req.lifetime;
  else c.exi = req.lifetime;
  if (req.cnonce !== undefined) c.cnonce = req.cnonce;
  return c;
}

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new Error('the device record has no ' + what);
  return value;
}

function sharedKeyFor(device: DeviceEntry, alg: number, op: number): CoseKey {
  for (const key of device.sharedKeys) if (keyUsableFor(key, alg, op)) return key;
  throw new Error('the device record has no AS–device key for algorithm ' + alg);
}

export function issueToken(as: AsKeys, device: DeviceEntry, req: TokenRequest, provider: CryptoProvider, codec: CborCodec): IssuedToken {
  const ms = req.popKey ?? provider.randomBytes(16);
  const id = req.popKid ?? provider.randomBytes(4);
  const material: ClientMaterial = { masterSecret: ms, salt: null, idContext: null, aeadAlg: AEAD, id };
  let token: Uint8Array;
  if (req.form === 'osc') {
    const osc = { id, version: null, ms, hkdf: null, alg: null, salt: req.salt ?? null, contextId: req.contextId ?? null };
    material.salt = osc.salt;
    material.idContext = osc.contextId;
    const claims = buildClaims(claimsOf(device, req, cnfWithOsc(osc)));
    const shared = sharedKeyFor(device, AEAD, KeyOp.Encrypt);
    token = req.nested
      ? nestCwt(signCwt(claims, as.signing, as.signingAlg, {}, provider, codec), shared, AEAD, {}, provider, codec)
      : encryptCwt(claims, shared, AEAD, {}, provider, codec);
  } else {
    const pop = symmetricKey(ms, id, null);
    const toDevice = req.form === 'signed' && (req.to === 'device-key' || (req.to === undefined && device.publicKey !== null));
    const cnf = toDevice
      ? cnfWithKeyToDevice(pop, need(device.publicKey, 'device public key'), AEAD, {}, provider, codec)
      : cnfWithEncryptedKey(pop, sharedKeyFor(device, AEAD, KeyOp.Encrypt), AEAD, {}, provider, codec);
    const claims = buildClaims(claimsOf(device, req, cnf));
    token = req.form === 'signed'
      ? signCwt(claims, as.signing, as.signingAlg, {}, provider, codec)
      : macCwt(claims, sharedKeyFor(device, Alg.HMAC_256_64, KeyOp.MacCreate), Alg.HMAC_256_64, {}, provider, codec);
  }
  return { token, material, expiresIn: req.lifetime };
}
