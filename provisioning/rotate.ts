/**
 * `rotate`: rolling the AS's signing key without touching devices in the field.
 *
 * The AS signs an anchor update (device/ace/anchors.ts) with its current key — a key every
 * device already trusts — and anyone (a phone, the AS over a connected device's channel)
 * POSTs it to the device's /anchors. The device verifies it against its anchors, persists the
 * new set, and from then on accepts tokens signed by the new key; the old key stays trusted
 * until a later update retires it.
 *
 *   rotate              new key, trusted by devices from nbf = now + --not-before; the AS
 *                       signs tokens with it from nbf on (the old key until then)
 *   rotate --retire     retires every key older than the current one (once the fleet has
 *                       the new key)
 *   rotate --replace    new key at once, every other key retired in the same update (a
 *                       compromised key: devices stop trusting it as soon as they get it)
 *
 * Each update carries seq = the AS's previous seq + 1; devices refuse an update that is not
 * newer than what they have (replay, rollback). Devices provisioned later get the AS's
 * current anchors and seq in their keystore.
 */
import { join } from 'node:path';
import { utf8Encode } from '../device/codec/bytes.ts';
import type { CborCodec } from '../device/codec/cbor.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { publicPart } from '../device/cose/key.ts';
import { createSign1 } from '../device/cose/sign1.ts';
import { ANCHOR_UPDATE_AAD, MAX_ANCHORS, anchorUpdatePayload } from '../device/ace/anchors.ts';
import type { AsFile, AsKeyEntry } from './as-file.ts';
import { UPDATES_DIR, newSigningKey, signingKeyOf } from './as-file.ts';
import { usage } from './io.ts';

export type RotateMode = 'add' | 'retire' | 'replace';

export interface Rotation {
  seq: number;
  update: Uint8Array;
  signer: AsKeyEntry;
  added: AsKeyEntry | null;
  retired: AsKeyEntry[];
}

export function updateFileName(seq: number): string {
  return join(UPDATES_DIR, 'anchor-update-' + String(seq).padStart(4, '0') + '.cose');
}

/** Changes `as` (keys, seq) and returns the signed update; nothing is written. */
export function rotate(as: AsFile, mode: RotateMode, algName: string | null, notBefore: number, provider: CryptoProvider, codec: CborCodec, now: number): Rotation {
  const signer = signingKeyOf(as, now, null);
  const signerIndex = as.keys.indexOf(signer);
  const live = as.keys.filter((e) => !e.retired);
  let added: AsKeyEntry | null = null;
  let retired: AsKeyEntry[] = [];
  if (mode === 'retire') {
    if (algName !== null || notBefore !== 0) usage('--retire takes no --alg or --not-before');
    retired = live.filter((e) => as.keys.indexOf(e) < signerIndex);
    if (retired.length === 0) usage('no key older than the current one to retire');
  } else {
    if (mode === 'replace' && notBefore !== 0) usage('--replace takes no --not-before (the new key is trusted at once)');
    const alg = algName === null ? (signer.key.alg === -7 ? 'ES256' : 'EdDSA') : algName;
    if (mode === 'add' && live.length >= MAX_ANCHORS) usage('the AS has ' + live.length + ' keys in use, as many as a device holds: retire old ones first (rotate --retire)');
    added = newSigningKey(alg, provider, Math.floor(now) + notBefore);
    if (mode === 'replace') retired = live;
  }
  const seq = as.seq + 1;
  const payload = anchorUpdatePayload({
    seq,
    add: added === null ? null : publicPart(added.key),
    nbf: added === null ? null : added.nbf,
    retire: retired.map((e) => e.key.kid as Uint8Array),
  });
  const update = codec.encode(createSign1(codec.encode(payload), signer.key, signer.key.alg as number,
    { externalAad: utf8Encode(ANCHOR_UPDATE_AAD), tagged: true }, provider, codec));
  for (const e of retired) e.retired = true;
  if (added !== null) as.keys.push(added);
  as.seq = seq;
  return { seq, update, signer, added, retired };
}
