/**
 * One device, provisioned: its key pair, the AS–device keys, the AS's trust anchors, its
 * mode, clock and scopes; the keystore that gets flashed and the record the AS keeps.
 *
 * Keys (COSE_Key, RFC 9052 §7), each restricted to one algorithm:
 *   kid "dev"  the device's X25519 (or P-256) key pair: the AS encrypts PoP keys to it
 *              (ECDH-ES + HKDF-256, RFC 9053 §6.3.1)
 *   kid "enc"  AES-CCM-16-64-128, 16 bytes: Encrypt0 tokens and Encrypted_COSE_Key
 *   kid "mac"  HMAC 256/64, 32 bytes: Mac0 tokens
 * A connected device also gets its OSCORE channel with the AS (RFC 8613): a 16-byte Master
 * Secret, an 8-byte Master Salt, a 6-byte random Sender ID (unique at the AS, which looks
 * the device up by it) and the AS's Sender ID h'00'.
 */
import { join } from 'node:path';
import { utf8Encode } from '../device/codec/bytes.ts';
import { Alg, Curve } from '../device/crypto/provider.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { curveKey, publicPart, symmetricKey } from '../device/cose/key.ts';
import type { DeviceKeystore } from '../device/runtime/keystore.ts';
import { keystorePayload, sealKeystore } from '../device/runtime/keystore.ts';
import type { AnchorsFile } from './as-file.ts';
import type { DeviceRecord } from './record.ts';
import { sealRecord } from './record.ts';
import type { ScopeConfig } from './scopes.ts';
import { usage } from './io.ts';
import { SECRET_MODE, ensureDirectory, writeFileAtomic } from './files.ts';

export const KEYSTORE_FILE = 'keystore.cbor';
export const RECORD_FILE = 'record.cbor';
export const STATE_DIR = 'state';

export const CURVES: { [name: string]: number } = { X25519: Curve.X25519, 'P-256': Curve.P256 };
export const KINDS = ['lock', 'sensor'];
export const MODES = ['connected', 'disconnected'];

const MASTER_SECRET_LENGTH = 16;
const MASTER_SALT_LENGTH = 8;
const DEVICE_SENDER_ID_LENGTH = 6;
const AS_SENDER_ID = new Uint8Array([0]);

export interface DeviceOptions {
  id: string;
  kind: string;
  mode: string;
  hasClock: boolean;
  curve: string;
  audience: string;
  scopes: ScopeConfig;
}

export interface Provisioned {
  keystore: DeviceKeystore;
  record: DeviceRecord;
}

/** Serials become directory names and audiences: letters, digits, '.', '_', '-'. */
export function checkSerial(serial: string, where: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(serial)) {
    usage(where + ' ' + JSON.stringify(serial) + ' is not a serial (1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)');
  }
  return serial;
}

export function checkChoice(value: string, allowed: string[], option: string): string {
  if (allowed.indexOf(value) < 0) usage(option + ' must be ' + allowed.join(' or ') + ' (got ' + JSON.stringify(value) + ')');
  return value;
}

/** Makes the keys of one device; nothing is written. */
export function provisionDevice(o: DeviceOptions, anchors: AnchorsFile, provider: CryptoProvider, now: number): Provisioned {
  const curve = CURVES[o.curve];
  if (curve === undefined) usage('--curve must be X25519 or P-256');
  const pair = provider.generateKeyPair(curve);
  const deviceKey = curveKey(curve, pair.publicKey, pair.privateKey, utf8Encode('dev'), null);
  const shared = [
    symmetricKey(provider.randomBytes(16), utf8Encode('enc'), Alg.AES_CCM_16_64_128),
    symmetricKey(provider.randomBytes(32), utf8Encode('mac'), Alg.HMAC_256_64),
  ];
  const channel = o.mode === 'connected'
    ? {
      masterSecret: provider.randomBytes(MASTER_SECRET_LENGTH),
      masterSalt: provider.randomBytes(MASTER_SALT_LENGTH),
      deviceId: provider.randomBytes(DEVICE_SENDER_ID_LENGTH),
    }
    : null;
  const keystore: DeviceKeystore = {
    id: o.id,
    kind: o.kind,
    audience: o.audience,
    mode: o.mode,
    hasClock: o.hasClock,
    asUri: anchors.uri,
    asKeys: anchors.keys.map((a) => a.key),
    asSeq: anchors.seq,
    deviceKey,
    symmetricKeys: shared,
    asOscore: channel === null ? null : {
      masterSecret: channel.masterSecret, masterSalt: channel.masterSalt,
      senderId: channel.deviceId, recipientId: AS_SENDER_ID, idContext: null,
    },
    scopes: o.scopes.scopes,
    singleUse: o.scopes.singleUse,
  };
  const record: DeviceRecord = {
    id: o.id,
    audience: o.audience,
    kind: o.kind,
    mode: o.mode,
    hasClock: o.hasClock,
    asId: anchors.id,
    asUri: anchors.uri,
    devicePublicKey: publicPart(deviceKey),
    sharedKeys: shared,
    asOscore: channel === null ? null : {
      masterSecret: channel.masterSecret, masterSalt: channel.masterSalt,
      senderId: AS_SENDER_ID, recipientId: channel.deviceId, idContext: null,
    },
    scopes: o.scopes.scopes,
    singleUse: o.scopes.singleUse,
    created: Math.floor(now),
  };
  return { keystore, record };
}

export interface DeviceFiles {
  keystore: Uint8Array;
  record: Uint8Array;
}

/** The two files' bytes: the keystore sealed by the device's own code, the record by record.ts. */
export function deviceFiles(p: Provisioned, provider: CryptoProvider): DeviceFiles {
  const sha = (d: Uint8Array) => provider.sha256(d);
  return { keystore: sealKeystore(keystorePayload(p.keystore), sha), record: sealRecord(p.record, sha) };
}

/** Writes OUT/keystore.cbor and OUT/record.cbor, each atomically with mode 0600. */
export function writeDeviceFiles(dir: string, files: DeviceFiles): void {
  ensureDirectory(dir);
  writeFileAtomic(join(dir, KEYSTORE_FILE), files.keystore, SECRET_MODE);
  writeFileAtomic(join(dir, RECORD_FILE), files.record, SECRET_MODE);
}

