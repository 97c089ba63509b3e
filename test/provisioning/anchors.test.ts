/**
 * Device side of the AS key rollover (device/ace/anchors.ts): verified against the active
 * anchors, persisted, replay and rollback refused, nbf honoured with a clock, a re-flashed
 * keystore not mixed with what another one learned; and over CoAP through the Device.
 */
import test from 'ava';
import { portableCbor } from '../../device/codec/cbor.ts';
import { utf8Encode } from '../../device/codec/bytes.ts';
import { nodeProvider } from '../../device/crypto/node/provider.ts';
import { Alg, Curve } from '../../device/crypto/provider.ts';
import { MemoryStorage } from '../../device/storage.ts';
import type { Clock } from '../../device/storage.ts';
import { curveKey, publicPart } from '../../device/cose/key.ts';
import type { CoseKey } from '../../device/cose/key.ts';
import { createSign1 } from '../../device/cose/sign1.ts';
import { isCoreError } from '../../device/errors.ts';
import { ANCHOR_UPDATE_AAD, AnchorStore, MAX_ANCHORS, anchorUpdatePayload } from '../../device/ace/anchors.ts';
import type { AnchorUpdate } from '../../device/ace/anchors.ts';

const provider = nodeProvider();
const codec = portableCbor;

function signingKey(name: string, alg: number = Alg.EdDSA): CoseKey {
  const curve = alg === Alg.EdDSA ? Curve.Ed25519 : Curve.P256;
  const pair = provider.generateKeyPair(curve);
  return curveKey(curve, pair.publicKey, pair.privateKey, utf8Encode(name), alg);
}

function update(signer: CoseKey, u: Partial<AnchorUpdate> & { seq: number }, aad = ANCHOR_UPDATE_AAD): Uint8Array {
  const payload = anchorUpdatePayload({ add: null, nbf: null, retire: [], ...u });
  return codec.encode(createSign1(codec.encode(payload), signer, signer.alg as number, { externalAad: utf8Encode(aad), tagged: true }, provider, codec));
}

function clockAt(now: number | null): Clock & { now: number | null } {
  const c = { now, nowSeconds: () => c.now, monotonicMs: () => 0 };
  return c;
}

function kinds(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isCoreError(e) ? e.kind : 'other';
  }
  return 'none';
}

function kidsOf(keys: CoseKey[]): string[] {
  return keys.map((k) => Buffer.from(k.kid!).toString());
}

test('an update signed by a trusted key adds the new key; it persists, and the old key stays', (t) => {
  const old = signingKey('as-old');
  const next = signingKey('as-new', Alg.ES256);
  const storage = new MemoryStorage();
  const deps = { provider, codec, storage, clock: clockAt(null) };
  const store = new AnchorStore(deps, [publicPart(old)], 0);
  t.deepEqual(store.load(), []);
  let changes = 0;
  store.onChange(() => { changes++; });
  const u = store.apply(update(old, { seq: 1, add: publicPart(next) }));
  t.is(u.seq, 1);
  t.deepEqual(kidsOf(store.active()), ['as-old', 'as-new']);
  t.is(changes, 1);
  // after a reboot
  const again = new AnchorStore(deps, [publicPart(old)], 0);
  t.deepEqual(again.load(), []);
  t.is(again.sequence, 1);
  t.deepEqual(kidsOf(again.active()), ['as-old', 'as-new']);
  // the new key may sign the next update, which retires the old one
  again.apply(update(next, { seq: 2, retire: [utf8Encode('as-old')] }));
  t.deepEqual(kidsOf(again.active()), ['as-new']);
  t.is(kinds(() => again.apply(update(old, { seq: 3, add: publicPart(signingKey('as-evil')) }))), 'unknown_kid');
});

test('replays and rollbacks are refused; the very same update again is accepted without change', (t) => {
  const old = signingKey('as-1');
  const store = new AnchorStore({ provider, codec, storage: new MemoryStorage(), clock: clockAt(null) }, [publicPart(old)], 4);
  t.is(kinds(() => store.apply(update(old, { seq: 4, add: publicPart(signingKey('as-2')) }))), 'stale');
  const u5 = update(old, { seq: 5, add: publicPart(signingKey('as-3')) });
  store.apply(u5);
  t.is(kinds(() => store.apply(u5)), 'none');
  t.is(store.all().length, 2);
  t.is(kinds(() => store.apply(update(old, { seq: 5, add: publicPart(signingKey('as-4')) }))), 'stale');
  t.is(store.sequence, 5);
});

test('forged, mis-signed and malformed updates change nothing', (t) => {
  const old = signingKey('as-1');
  const storage = new MemoryStorage();
  const store = new AnchorStore({ provider, codec, storage, clock: clockAt(null) }, [publicPart(old)], 0);
  const stranger = signingKey('as-1'); // same kid, other key
  t.is(kinds(() => store.apply(update(stranger, { seq: 1, add: publicPart(signingKey('x')) }))), 'bad_signature');
  // a signature over another external AAD (a token's, say) is not an update
  t.is(kinds(() => store.apply(update(old, { seq: 1, add: publicPart(signingKey('x')) }, ''))), 'bad_signature');
  t.is(kinds(() => store.apply(new Uint8Array([0xff]))), 'malformed_cbor');
  t.is(kinds(() => store.apply(new Uint8Array(2000))), 'bad_request');
  // the signer must be named
  const noKid = { ...old, kid: null };
  const payload = codec.encode(anchorUpdatePayload({ seq: 1, add: publicPart(signingKey('y')), nbf: null, retire: [] }));
  const anonymous = codec.encode(createSign1(payload, noKid, Alg.EdDSA, { externalAad: utf8Encode(ANCHOR_UPDATE_AAD), tagged: true }, provider, codec));
  t.is(kinds(() => store.apply(anonymous)), 'bad_request');
  // no update may leave the device without anchors, or hold more than it can keep
  t.is(kinds(() => store.apply(update(old, { seq: 1, retire: [utf8Encode('as-1')] }))), 'bad_request');
  t.is(kinds(() => store.apply(update(old, { seq: 1, add: publicPart(signingKey('as-1')) }))), 'bad_request');
  for (let i = 2; i <= MAX_ANCHORS; i++) store.apply(update(old, { seq: i, add: publicPart(signingKey('k' + i)) }));
  t.is(kinds(() => store.apply(update(old, { seq: 99, add: publicPart(signingKey('one-too-many')) }))), 'store_full');
  t.is(store.sequence, MAX_ANCHORS);
  // a private key is never an anchor
  t.is(kinds(() => anchorUpdatePayload({ seq: 1, add: signingKey('z'), nbf: null, retire: [] })), 'bad_request');
});

test('with a clock a new key is trusted from its nbf on; without one at once', (t) => {
  const old = signingKey('as-1');
  const next = signingKey('as-2');
  const clock = clockAt(1000);
  const store = new AnchorStore({ provider, codec, storage: new MemoryStorage(), clock }, [publicPart(old)], 0);
  let changes = 0;
  store.onChange(() => { changes++; });
  store.apply(update(old, { seq: 1, add: publicPart(next), nbf: 2000 }));
  t.deepEqual(kidsOf(store.active()), ['as-1']);
  clock.now = 2000;
  store.refresh();
  t.deepEqual(kidsOf(store.active()), ['as-1', 'as-2']);
  t.true(changes >= 2);
  const clockless = new AnchorStore({ provider, codec, storage: new MemoryStorage(), clock: clockAt(null) }, [publicPart(old)], 0);
  clockless.apply(update(old, { seq: 1, add: publicPart(next), nbf: 2000 }));
  t.deepEqual(kidsOf(clockless.active()), ['as-1', 'as-2']);
});

test('a corrupted stored set, or one learned under another keystore, gives way to the factory set', (t) => {
  const old = signingKey('as-1');
  const storage = new MemoryStorage();
  const deps = { provider, codec, storage, clock: clockAt(null) };
  new AnchorStore(deps, [publicPart(old)], 0).apply(update(old, { seq: 1, add: publicPart(signingKey('as-2')) }));
  const reflashed = new AnchorStore(deps, [publicPart(signingKey('as-9'))], 0);
  t.regex(reflashed.load().join(), /another keystore/);
  t.deepEqual(kidsOf(reflashed.active()), ['as-9']);
  const blob = storage.read('ace-anchors')!;
  blob[blob.length - 1] ^= 1;
  storage.write('ace-anchors', blob);
  const corrupted = new AnchorStore(deps, [publicPart(old)], 0);
  t.regex(corrupted.load().join(), /anchor set discarded/);
  t.deepEqual(kidsOf(corrupted.active()), ['as-1']);
});
