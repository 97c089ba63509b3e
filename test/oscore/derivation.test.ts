/** RFC 8613 Appendix C.1–C.3 (key derivation, client and server) on every provider. */
import test from 'ava';
import { toHex } from '../../device/codec/bytes.ts';
import { MemoryStorage } from '../../device/storage.ts';
import { SecurityContext, deriveKeys, kdfInfo } from '../../device/oscore/context.ts';
import { nonceFor } from '../../device/oscore/nonce.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { hex, loadVectors } from '../helpers/vectors.ts';
import { kindOf } from './kind.ts';

const V = loadVectors('rfc8613-oscore.json');
const opt = (s: string | null): Uint8Array | null => (s === null ? null : hex(s));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function inputOf(k: any) {
  const i = k.inputs;
  return {
    masterSecret: hex(i.master_secret),
    masterSalt: i.master_salt === null ? undefined : hex(i.master_salt),
    senderId: hex(i.sender_id),
    recipientId: hex(i.recipient_id),
    idContext: opt(i.id_context),
    aeadAlg: i.aead_alg,
  };
}

for (const provider of PROVIDERS) {
  for (const k of V.key_derivation) {
    test(`${k.id} key derivation (${k.role}) [${provider.name}]`, (t) => {
      const input = inputOf(k);
      t.is(toHex(kdfInfo(input.senderId, input.idContext, 10, 'Key', 16)), k.info_sender_key);
      t.is(toHex(kdfInfo(input.recipientId, input.idContext, 10, 'Key', 16)), k.info_recipient_key);
      t.is(toHex(kdfInfo(new Uint8Array(0), input.idContext, 10, 'IV', 13)), k.info_common_iv);
      const keys = deriveKeys(provider, input);
      t.is(toHex(keys.senderKey), k.outputs.sender_key);
      t.is(toHex(keys.recipientKey), k.outputs.recipient_key);
      t.is(toHex(keys.commonIv), k.outputs.common_iv);

      const ctx = new SecurityContext(provider, input, { storage: new MemoryStorage(), storageKey: 's' });
      t.is(toHex(nonceFor(ctx.sender.nonceBase, hex('00'))), k.sender_nonce_partial_iv_0);
      t.is(toHex(nonceFor(ctx.recipient.nonceBase, hex('00'))), k.recipient_nonce_partial_iv_0);
    });
  }

  test(`other AEADs derive keys of their own lengths [${provider.name}]`, (t) => {
    const base = inputOf(V.key_derivation[0]);
    const gcm = deriveKeys(provider, { ...base, aeadAlg: 1 });
    t.is(gcm.senderKey.length, 16);
    t.is(gcm.commonIv.length, 12);
    const chacha = deriveKeys(provider, { ...base, aeadAlg: 24 });
    t.is(chacha.senderKey.length, 32);
    t.is(chacha.commonIv.length, 12);
    t.not(toHex(gcm.senderKey), toHex(deriveKeys(provider, base).senderKey));
  });

  test(`bad context input gives precise CoreErrors [${provider.name}]`, (t) => {
    const base = inputOf(V.key_derivation[0]);
    t.is(kindOf(() => deriveKeys(provider, { ...base, aeadAlg: 99 })), 'unsupported_algorithm');
    t.is(kindOf(() => deriveKeys(provider, { ...base, hkdfAlg: -11 })), 'unsupported_algorithm');
    t.is(kindOf(() => deriveKeys(provider, { ...base, masterSecret: new Uint8Array(0) })), 'bad_request');
    const storage = new MemoryStorage();
    // IDs longer than nonce length - 6 cannot be put in the nonce (§3.3).
    t.is(kindOf(() => new SecurityContext(provider, { ...base, senderId: new Uint8Array(8) },
      { storage, storageKey: 'x' })), 'bad_request');
    t.is(kindOf(() => new SecurityContext(provider, { ...base, recipientId: new Uint8Array(7), aeadAlg: 1 },
      { storage, storageKey: 'y' })), 'bad_request');
  });
}
