/** The token store: bounds, eviction, identifier uniqueness, single use, exi, persistence. */
import { throwsKind } from '../helpers/errors.ts';
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { CoreError, isCoreError, type ErrorKind } from '../../device/errors.ts';
import { MemoryStorage, type Clock, type Storage } from '../../device/storage.ts';
import { decode, encode, type CborValue } from '../../device/codec/cbor.ts';
import { fromHex, toHex } from '../../device/codec/bytes.ts';
import { parseScope } from '../../device/ace/scope.ts';
import {
  TokenStore, describeToken, openBlob, sealBlob, tokenIdFor, type HashFn, type OscoreMaterial, type TokenInput,
} from '../../device/ace/token-store.ts';
import { loadVectors } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';

const ex = loadVectors('rfc9203-ace-oscore.json').exchange_values;
const salt = loadVectors('rfc9203-ace-oscore.json').master_salt_construction;

class TestClock implements Clock {
  constructor(public wall: number | null, public mono: number) {}
  nowSeconds(): number | null {
    return this.wall;
  }
  monotonicMs(): number {
    return this.mono;
  }
}

class BrokenStorage implements Storage {
  read(): Uint8Array | null {
    return null;
  }
  write(): void {
    throw new Error('flash worn out');
  }
  remove(): void {}
}


const hash: HashFn = (d) => sha256(d);
const T0 = 1_700_000_000;

/** RFC 9203 §4 example: the RS's Recipient ID is ID2 (ace_server_recipientid), its Sender ID ID1. */
function rfcInput(over: Partial<TokenInput> = {}): TokenInput {
  return {
    tokenId: fromHex('0a0b0c'),
    recipientId: fromHex(ex.rs_to_client_created.ace_server_recipientid),
    idContext: null,
    senderId: fromHex(ex.client_to_rs_authz_info.ace_client_recipientid),
    permissions: parseScope(encode([['/vitals', 1], ['/vitals/history', 1]])),
    exp: T0 + 3600,
    exi: null,
    exiSeq: null,
    singleUse: false,
    audience: 'tempSensorInLivingRoom',
    subject: 'phone-1',
    ...over,
  };
}

function rfcMaterial(): OscoreMaterial {
  return { masterSecret: fromHex(ex.oscore_input_material_in_cnf.ms), masterSalt: fromHex(salt.cbor.master_salt), aeadAlg: 10, hkdfAlg: -10 };
}

function input(n: number, over: Partial<TokenInput> = {}): TokenInput {
  return rfcInput({ tokenId: Uint8Array.of(0xc0, n), recipientId: Uint8Array.of(n), senderId: Uint8Array.of(0x80 + n), ...over });
}

function material(n: number): OscoreMaterial {
  return { masterSecret: new Uint8Array(16).fill(n), masterSalt: Uint8Array.of(n, n), aeadAlg: 10, hkdfAlg: -10 };
}

function store(opts: { storage?: Storage; clock?: TestClock; max?: number; hash?: HashFn } = {}): TokenStore {
  return new TokenStore({
    storage: opts.storage ?? new MemoryStorage(),
    clock: opts.clock ?? new TestClock(T0, 0),
    hash: opts.hash ?? hash,
    maxEntries: opts.max ?? 4,
  });
}

// ---------------------------------------------------------------- basics

test('a token is found by its context identifiers and by its id (RFC 9203 example identifiers)', (t) => {
  const s = store();
  const r = s.add(rfcInput(), rfcMaterial());
  t.is(s.findByContext(fromHex('0000'), null), r);
  t.is(s.findByTokenId(fromHex('0a0b0c')), r);
  t.is(s.findByContext(fromHex('1645'), null), null, 'the RS looks up by its Recipient ID, not its Sender ID');
  t.is(s.findByContext(fromHex('0000'), new Uint8Array(0)), null, 'an empty ID Context is not an absent one');
  t.deepEqual(toHex(r.senderId), '1645');
  t.deepEqual(s.materialOf(r), rfcMaterial());
  t.is(r.expiresAt, T0 + 3600);
  t.false(r.spent);
});

test('records carry no secrets: neither JSON nor the log line shows the master secret', (t) => {
  const s = store();
  const r = s.add(rfcInput(), rfcMaterial());
  const ms = ex.oscore_input_material_in_cnf.ms;
  t.false(Object.keys(r).some((k) => /secret|salt|material/i.test(k)));
  t.false(Object.values(r).some((v) => v instanceof Uint8Array && toHex(v) === ms));
  t.false(JSON.stringify(r).includes('masterSecret'));
  t.false(describeToken(r).includes(ms));
  t.regex(describeToken(r), /token 0a0b0c rid=0000 aud=tempSensorInLivingRoom sub=phone-1 \[\/vitals:GET \/vitals\/history:GET\]/);
  t.false(JSON.stringify(s.list()).includes('masterSecret'));
});

test('the store copies what it is given and what it hands out', (t) => {
  const s = store();
  const i = rfcInput();
  const m = rfcMaterial();
  const r = s.add(i, m);
  i.recipientId[0] = 0xff;
  m.masterSecret.fill(0);
  t.deepEqual(toHex(r.recipientId), '0000');
  const copy = s.materialOf(r)!;
  t.deepEqual(toHex(copy.masterSecret), ex.oscore_input_material_in_cnf.ms);
  copy.masterSecret.fill(7);
  t.deepEqual(toHex(s.materialOf(r)!.masterSecret), ex.oscore_input_material_in_cnf.ms);
});

test('tokenIdFor: the cti when there is one, else SHA-256 of the token', (t) => {
  const token = fromHex('d28443a10126a0');
  t.deepEqual(tokenIdFor(fromHex('0102'), token, hash), fromHex('0102'));
  t.deepEqual(tokenIdFor(null, token, hash), sha256(token));
});

test('bad input is refused with bad_request', (t) => {
  const s = store();
  throwsKind(t, () => s.add(input(1, { tokenId: new Uint8Array(0) }), material(1)), 'bad_request');
  throwsKind(t, () => s.add(input(1, { recipientId: 'x' as never }), material(1)), 'bad_request');
  throwsKind(t, () => s.add(input(1, { idContext: 'x' as never }), material(1)), 'bad_request');
  throwsKind(t, () => s.add(input(1, { exi: -1 }), material(1)), 'bad_request');
  t.is(s.size, 0);
});

// ---------------------------------------------------------------- bounds and eviction

test('bounded: a store full of live tokens refuses with store_full (5.03), never grows', (t) => {
  const storage = new MemoryStorage();
  const s = store({ storage, max: 3 });
  for (let n = 1; n <= 3; n++) s.add(input(n), material(n));
  const writes = storage.writes;
  const e = throwsKind(t, () => s.add(input(4), material(4)), 'store_full');
  t.is(e.code, 0xa3);
  t.is(s.size, 3);
  t.is(storage.writes, writes, 'nothing written for a refused token');
  t.is(s.findByContext(Uint8Array.of(4), null), null);
});

test('expired tokens are evicted first to make room (exp, wall clock)', (t) => {
  const clock = new TestClock(T0, 0);
  const s = store({ clock, max: 2 });
  s.add(input(1, { exp: T0 + 10 }), material(1));
  s.add(input(2, { exp: T0 + 100 }), material(2));
  throwsKind(t, () => s.add(input(3), material(3)), 'store_full');
  clock.wall = T0 + 10;
  s.add(input(3), material(3));
  t.is(s.size, 2);
  t.is(s.findByTokenId(Uint8Array.of(0xc0, 1)), null);
  t.truthy(s.findByContext(Uint8Array.of(2), null));
  t.truthy(s.findByContext(Uint8Array.of(3), null));
});

test('exi: a deadline on the monotonic clock for a device without a clock (RFC 9200 §5.10.3)', (t) => {
  const clock = new TestClock(null, 5_000);
  const s = store({ clock });
  const r = s.add(input(1, { exp: null, exi: 60 }), material(1));
  t.is(r.exiDeadline, 65_000);
  clock.mono = 64_999;
  t.is(s.findByContext(Uint8Array.of(1), null), r);
  t.false(s.isExpired(r));
  clock.mono = 65_000;
  t.true(s.isExpired(r));
  t.is(s.findByContext(Uint8Array.of(1), null), null);
  t.is(s.size, 0, 'an expired token found on lookup is purged');
});

test('exp cannot be checked without a clock: such an entry counts as expired', (t) => {
  const clock = new TestClock(T0, 0);
  const s = store({ clock });
  const r = s.add(input(1), material(1));
  clock.wall = null;
  t.true(s.isExpired(r));
  t.is(s.findByContext(Uint8Array.of(1), null), null);
});

test('exi sequence numbers: the highest expired one is kept, lower ones stay expired', (t) => {
  const clock = new TestClock(null, 0);
  const storage = new MemoryStorage();
  const s = store({ clock, storage });
  s.add(input(1, { exp: null, exi: 10, exiSeq: 5 }), material(1));
  const later = s.add(input(2, { exp: null, exi: 100, exiSeq: 3 }), material(2));
  t.false(s.exiSeqExpired(3));
  clock.mono = 10_000;
  t.is(s.purgeExpired(), 1);
  t.true(s.exiSeqExpired(5));
  t.true(s.exiSeqExpired(4));
  t.false(s.exiSeqExpired(6));
  t.true(s.isExpired(later), 'an exi token older than an expired one is expired too');
  t.is(s.purgeExpired(), 1);
  const again = store({ clock, storage });
  t.is(again.load().status, 'loaded');
  t.true(again.exiSeqExpired(5), 'the high-water mark survives a reboot');
  t.false(again.exiSeqExpired(6));
});

// ---------------------------------------------------------------- uniqueness, replace, single use

test('never two live entries with the same context identifiers', (t) => {
  const s = store();
  s.add(input(1), material(1));
  const e = throwsKind(t, () => s.add(input(2, { recipientId: Uint8Array.of(1) }), material(2)), 'bad_request');
  t.regex(e.message, /already bound/);
  s.add(input(3, { recipientId: Uint8Array.of(1), idContext: Uint8Array.of(9) }), material(3));
  s.add(input(4, { recipientId: Uint8Array.of(1), idContext: new Uint8Array(0) }), material(4));
  t.is(s.size, 3);
  throwsKind(t, () => s.add(input(1, { recipientId: Uint8Array.of(7) }), material(1)), 'bad_request');
});

test('identifiers of an expired token may be bound again', (t) => {
  const clock = new TestClock(T0, 0);
  const s = store({ clock });
  s.add(input(1, { exp: T0 + 1 }), material(1));
  clock.wall = T0 + 1;
  const r = s.add(input(2, { recipientId: Uint8Array.of(1) }), material(2));
  t.is(s.findByContext(Uint8Array.of(1), null), r);
});

test('replace: a new token takes the old one\'s place; material null keeps the context', (t) => {
  const s = store();
  const old = s.add(rfcInput(), rfcMaterial());
  const scope = parseScope(encode([['/vitals', 1]]));
  const next = s.replace(old, rfcInput({ tokenId: fromHex('0d0e'), permissions: scope }), null);
  t.is(s.size, 1);
  t.is(s.findByContext(fromHex('0000'), null), next);
  t.is(s.findByTokenId(fromHex('0a0b0c')), null);
  t.deepEqual(s.materialOf(next), rfcMaterial());
  t.deepEqual(next.permissions.grants, [{ path: '/vitals', methods: 1 }]);
  const third = s.replace(next, rfcInput({ tokenId: fromHex('0d0e') }), material(9));
  t.deepEqual(s.materialOf(third), material(9), 'a re-posted token may bring new material');
});

test('replace refuses identifiers bound to a third token, and unknown records', (t) => {
  const s = store();
  const a = s.add(input(1), material(1));
  s.add(input(2), material(2));
  throwsKind(t, () => s.replace(a, input(5, { recipientId: Uint8Array.of(2) }), null), 'bad_request');
  t.is(s.findByContext(Uint8Array.of(1), null), a, 'the old entry stays');
  const other = store().add(input(1), material(1));
  throwsKind(t, () => s.replace(other, input(6), null), 'internal');
});

test('secrets of removed and replaced entries are zeroed', (t) => {
  const s = store();
  const a = s.add(input(1), material(1));
  const b = s.add(input(2), material(2));
  const secrets = (s as unknown as { secrets: OscoreMaterial[] }).secrets;
  const held = secrets.slice();
  s.remove(a);
  t.deepEqual(held[0].masterSecret, new Uint8Array(16));
  s.replace(b, input(2), material(3));
  t.deepEqual(held[1].masterSecret, new Uint8Array(16));
  t.deepEqual(s.materialOf(s.findByContext(Uint8Array.of(2), null)!), material(3));
});

test('single use: a consumed token becomes a tombstone that refuses the same token again', (t) => {
  const clock = new TestClock(T0, 0);
  const s = store({ clock });
  const r = s.add(input(1, { singleUse: true, exp: T0 + 60 }), material(1));
  s.consume(r);
  t.is(s.findByContext(Uint8Array.of(1), null), null);
  const tomb = s.findByTokenId(Uint8Array.of(0xc0, 1))!;
  t.true(tomb.spent);
  t.is(s.materialOf(tomb), null);
  t.deepEqual(tomb.permissions.grants, []);
  const e = throwsKind(t, () => s.add(input(1, { singleUse: true, exp: T0 + 60 }), material(1)), 'bad_request');
  t.regex(e.message, /spent/);
  s.add(input(2, { recipientId: Uint8Array.of(1) }), material(2));
  t.is(s.size, 2, 'the tombstone counts against the bound');
  clock.wall = T0 + 60;
  t.is(s.purgeExpired(), 1);
  t.is(s.findByTokenId(Uint8Array.of(0xc0, 1)), null, 'the tombstone goes when the token would have expired');
});

// ---------------------------------------------------------------- persistence

test('persistence round trip with every provider\'s SHA-256', (t) => {
  for (const p of [{ name: 'noble-hashes', sha256: hash }, ...PROVIDERS.map((x) => ({ name: x.name, sha256: (d: Uint8Array) => x.sha256(d) }))]) {
    const storage = new MemoryStorage();
    const clock = new TestClock(T0, 1_000);
    const s = store({ storage, clock, hash: p.sha256 });
    const a = s.add(rfcInput(), rfcMaterial());
    const b = s.add(input(2, { exp: null, exi: 10, exiSeq: 7, idContext: fromHex('37cbf3210017a2d3'), subject: null, singleUse: true }), material(2));
    s.consume(s.add(input(3, { singleUse: true }), material(3)));

    const rebooted = new TestClock(T0 + 5, 0);
    const s2 = store({ storage, clock: rebooted, hash: p.sha256 });
    t.deepEqual(s2.load(), { status: 'loaded', entries: 3, reason: '' }, p.name);
    const a2 = s2.findByContext(fromHex('0000'), null)!;
    t.deepEqual({ ...a2, permissions: a2.permissions.grants }, { ...a, permissions: a.permissions.grants }, p.name);
    t.deepEqual(s2.materialOf(a2), rfcMaterial());
    const b2 = s2.findByContext(Uint8Array.of(2), fromHex('37cbf3210017a2d3'))!;
    t.is(b2.exiDeadline, 10_000, 'the remaining exi time restarts at boot: ' + b.exiDeadline);
    t.is(b2.subject, null);
    t.true(b2.singleUse);
    t.true(s2.findByTokenId(Uint8Array.of(0xc0, 3))!.spent);
    t.is(s2.materialOf(s2.findByTokenId(Uint8Array.of(0xc0, 3))!), null);
  }
});

test('the stored blob is deterministic CBOR: the same store gives the same bytes', (t) => {
  const blobs: string[] = [];
  for (let k = 0; k < 2; k++) {
    const storage = new MemoryStorage();
    const s = store({ storage });
    s.add(rfcInput(), rfcMaterial());
    s.add(input(2), material(2));
    const blob = storage.read('ace-tokens')!;
    t.deepEqual(encode(decode(blob)), blob);
    blobs.push(toHex(blob));
  }
  t.is(blobs[0], blobs[1]);
});

test('an empty storage loads as empty', (t) => {
  t.deepEqual(store().load(), { status: 'empty', entries: 0, reason: '' });
});

test('a corrupted blob is reported and discarded whole, never half-used', (t) => {
  const storage = new MemoryStorage();
  const s = store({ storage });
  s.add(rfcInput(), rfcMaterial());
  s.add(input(2), material(2));
  const good = storage.read('ace-tokens')!;
  let discarded = 0;
  for (let i = 0; i < good.length; i++) {
    const bad = good.slice();
    bad[i] ^= 0x01;
    storage.write('ace-tokens', bad);
    const s2 = store({ storage });
    const r = s2.load();
    t.is(r.status, 'discarded', 'byte ' + i);
    t.true(r.reason.length > 0);
    t.is(s2.size, 0);
    discarded++;
  }
  t.is(discarded, good.length);
  for (const bad of [good.slice(0, good.length - 1), new Uint8Array(0), fromHex('f6'), fromHex('8240')]) {
    storage.write('ace-tokens', bad);
    t.is(store({ storage }).load().status, 'discarded');
  }
  storage.write('ace-tokens', good);
  t.is(store({ storage, hash: (d) => sha256(d).slice(0, 31) }).load().status, 'discarded', 'another hash does not check out');
});

test('a blob that checks out but holds nonsense is discarded too', (t) => {
  const storage = new MemoryStorage();
  const s = store({ storage });
  s.add(rfcInput(), rfcMaterial());
  s.add(input(2), material(2));
  const content = openBlob(storage.read('ace-tokens')!, 1, hash);
  const rows = content[1] as CborValue[][];
  const variants: Array<[string, Uint8Array]> = [
    ['version 2', sealBlob(2, content, hash)],
    ['no rows', sealBlob(1, [content[0]], hash)],
    ['rows not an array', sealBlob(1, [content[0], 5], hash)],
    ['a row too short', sealBlob(1, [content[0], [rows[0].slice(0, 15)]], hash)],
    ['a token id as text', sealBlob(1, [content[0], [['x', ...rows[0].slice(1)]]], hash)],
    ['a bad AIF', sealBlob(1, [content[0], [[...rows[0].slice(0, 4), [['lock', 1]], ...rows[0].slice(5)]]], hash)],
    ['partial material', sealBlob(1, [content[0], [[...rows[0].slice(0, 12), null, ...rows[0].slice(13)]]], hash)],
    ['the same token twice', sealBlob(1, [content[0], [rows[0], rows[0]]], hash)],
    ['one context bound twice', sealBlob(1, [content[0], [rows[0], [fromHex('ff'), ...rows[0].slice(1)]]], hash)],
    ['more than the capacity', sealBlob(1, [content[0], [1, 2, 3, 4, 5].map((n) => [Uint8Array.of(n), Uint8Array.of(n), ...rows[0].slice(2)])], hash)],
  ];
  for (const [name, blob] of variants) {
    storage.write('ace-tokens', blob);
    const s2 = store({ storage });
    const r = s2.load();
    t.is(r.status, 'discarded', name);
    t.is(s2.size, 0, name);
  }
});

test('a failed write leaves the store as it was (storage_failed)', (t) => {
  const s = store({ storage: new BrokenStorage() });
  throwsKind(t, () => s.add(rfcInput(), rfcMaterial()), 'storage_failed');
  t.is(s.size, 0);
  t.is(s.findByContext(fromHex('0000'), null), null);
});

test('a failed write of a removal keeps the entry and its secret', (t) => {
  const storage = new MemoryStorage();
  const s = store({ storage });
  const r = s.add(rfcInput(), rfcMaterial());
  storage.write = () => { throw new Error('flash worn out'); };
  throwsKind(t, () => s.remove(r), 'storage_failed');
  t.is(s.findByContext(fromHex('0000'), null), r);
  t.deepEqual(s.materialOf(r), rfcMaterial());
});

test('property: arbitrary stored bytes never throw at load', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    const storage = new MemoryStorage();
    storage.write('ace-tokens', bytes);
    const r = store({ storage }).load();
    return r.status === 'discarded';
  }), { numRuns: 2000 });
  t.pass();
});
