/** Scopes: AIF (RFC 9237) and text scopes, the access decision, malformed scopes. */
import { throwsKind } from '../helpers/errors.ts';
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { CoreError, isCoreError, type ErrorKind } from '../../device/errors.ts';
import { CborMap, encode } from '../../device/codec/cbor.ts';
import { fromHex, utf8Encode } from '../../device/codec/bytes.ts';
import { AifMethod } from '../../device/ace/numbers.ts';
import {
  TextScopeTable, allows, decide, describePermissions, fromAifValue, methodBit, parseScope, restrictTo, toAifValue,
  type Grant, type PermissionSet,
} from '../../device/ace/scope.ts';
import { loadVectors } from '../helpers/vectors.ts';

const GET = 1, POST = 2, PUT = 3, DELETE = 4, FETCH = 5, PATCH = 6, IPATCH = 7;


/** The device configuration of the seed: what each text scope means on the lock and the sensor. */
const TABLE = new TextScopeTable({
  'lock:open': [{ path: '/lock', methods: AifMethod.POST | AifMethod.GET }],
  'lock:read': [{ path: '/lock', methods: AifMethod.GET }],
  'alarm:disarm': [{ path: '/alarm', methods: AifMethod.POST }],
  'vitals:read': [
    { path: '/vitals', methods: AifMethod.GET | AifMethod.FETCH },
    { path: '/vitals/history', methods: AifMethod.GET },
  ],
});

/** The device's resources and the methods each takes. */
const LOCK_RESOURCES: Grant[] = [
  { path: '/lock', methods: AifMethod.GET | AifMethod.POST | AifMethod.PUT },
  { path: '/alarm', methods: AifMethod.GET | AifMethod.POST },
];
const SENSOR_RESOURCES: Grant[] = [
  { path: '/vitals', methods: AifMethod.GET },
  { path: '/vitals/history', methods: AifMethod.GET },
];

function aif(pairs: Array<[string, number]>): Uint8Array {
  return encode(pairs);
}

// ---------------------------------------------------------------- AIF

test('RFC 9237 Figure 4: the CBOR example decodes to its information model', (t) => {
  // RFC 9237 §3, "An authorization instance encoded in CBOR (28 bytes)"
  const bytes = fromHex('8382672f732f74656d700182662f612f6c65640582652f64746c7302');
  t.is(bytes.length, 28);
  const set = parseScope(bytes);
  t.deepEqual(set.grants, [
    { path: '/s/temp', methods: AifMethod.GET },
    { path: '/a/led', methods: AifMethod.GET | AifMethod.PUT },
    { path: '/dtls', methods: AifMethod.POST },
  ]);
  t.deepEqual(set.unknown, []);
  t.true(allows(set, '/s/temp', GET));
  t.false(allows(set, '/s/temp', PUT));
  t.true(allows(set, '/a/led', PUT));
  t.true(allows(set, '/dtls', POST));
  t.false(allows(set, '/dtls', GET));
  t.deepEqual(encode(toAifValue(set)), bytes);
});

test('seed: an evening permission to POST /lock and POST /alarm (AIF)', (t) => {
  const set = restrictTo(parseScope(aif([['/lock', AifMethod.POST], ['/alarm', AifMethod.POST]])), LOCK_RESOURCES);
  t.is(decide(set, '/lock', POST), 'granted');
  t.is(decide(set, '/alarm', POST), 'granted');
  t.is(decide(set, '/lock', GET), 'method_not_allowed');
  t.is(decide(set, '/lock', PUT), 'method_not_allowed');
  t.is(decide(set, '/lock', DELETE), 'method_not_allowed');
  t.is(decide(set, '/alarm', GET), 'method_not_allowed');
  t.is(decide(set, '/vitals', GET), 'forbidden');
  t.is(decide(set, '/lock/', POST), 'forbidden', 'paths match exactly');
  t.is(decide(set, '/LOCK', POST), 'forbidden');
  t.is(describePermissions(set), '/lock:POST /alarm:POST');
});

test('seed: the same evening permission as a text scope', (t) => {
  const set = restrictTo(parseScope('lock:open alarm:disarm', { table: TABLE }), LOCK_RESOURCES);
  t.is(decide(set, '/lock', POST), 'granted');
  t.is(decide(set, '/lock', GET), 'granted', 'lock:open also reads the state');
  t.is(decide(set, '/alarm', POST), 'granted');
  t.is(decide(set, '/alarm', GET), 'method_not_allowed');
  t.is(decide(set, '/lock', PUT), 'method_not_allowed');
});

test('seed: read-only GET /vitals and /vitals/history', (t) => {
  const fromText = restrictTo(parseScope('vitals:read', { table: TABLE }), SENSOR_RESOURCES);
  const fromAif = restrictTo(parseScope(aif([['/vitals', 1], ['/vitals/history', 1]])), SENSOR_RESOURCES);
  for (const set of [fromText, fromAif]) {
    t.is(decide(set, '/vitals', GET), 'granted');
    t.is(decide(set, '/vitals/history', GET), 'granted');
    for (const m of [POST, PUT, DELETE, FETCH, PATCH, IPATCH]) {
      t.is(decide(set, '/vitals', m), 'method_not_allowed');
      t.is(decide(set, '/vitals/history', m), 'method_not_allowed');
    }
    t.is(decide(set, '/lock', GET), 'forbidden');
    t.is(decide(set, '/vitals/history/0', GET), 'forbidden');
  }
  // FETCH in the table is dropped by the intersection: the sensor takes GET only
  t.deepEqual(fromText.grants, fromAif.grants);
});

test('every method code maps to its AIF bit; non-methods to none', (t) => {
  t.deepEqual([1, 2, 3, 4, 5, 6, 7].map(methodBit), [1, 2, 4, 8, 16, 32, 64]);
  for (const c of [0, 8, 31, 0x45, -1, 1.5, NaN]) t.is(methodBit(c), 0);
  const all = parseScope(aif([['/x', 127]]));
  for (let m = 1; m <= 7; m++) t.true(allows(all, '/x', m));
  t.false(allows(all, '/x', 0x45), 'a response code is not a method');
  t.false(allows(all, '/x', 0));
});

test('entries of the same path are merged (RFC 9237 §3)', (t) => {
  const set = parseScope(aif([['/lock', 1], ['/alarm', 2], ['/lock', 2], ['/lock', 1]]));
  t.deepEqual(set.grants, [{ path: '/lock', methods: 3 }, { path: '/alarm', methods: 2 }]);
});

test('an empty AIF or zero permissions grant nothing, and cover nothing at the device', (t) => {
  t.deepEqual(parseScope(aif([])).grants, []);
  t.deepEqual(parseScope(aif([['/lock', 0]])).grants, []);
  const e = throwsKind(t, () => restrictTo(parseScope(aif([])), LOCK_RESOURCES), 'invalid_scope');
  t.is(e.code, 0x80, '4.00 at /authz-info (RFC 9200 §5.10.1.1)');
  t.is(e.ace, 6, 'ACE invalid_scope');
});

test('the intersection keeps only paths and methods the device has', (t) => {
  const set = restrictTo(parseScope(aif([['/lock', 127], ['/garage', 1]])), LOCK_RESOURCES);
  t.deepEqual(set.grants, [{ path: '/lock', methods: AifMethod.GET | AifMethod.POST | AifMethod.PUT }]);
  throwsKind(t, () => restrictTo(parseScope(aif([['/garage', 127]])), LOCK_RESOURCES), 'invalid_scope');
  throwsKind(t, () => restrictTo(parseScope(aif([['/vitals', AifMethod.POST]])), SENSOR_RESOURCES), 'invalid_scope');
});

// ---------------------------------------------------------------- text scopes

test('RFC 9203 Figure 5 scope: tokens this device does not define grant nothing and are reported', (t) => {
  const fig5 = loadVectors('rfc9203-ace-oscore.json').examples.find((e: { id: string }) => e.id === 'Figure 5');
  const scope = / \/ scope \/ 9 :\s+"([^"]+)"/.exec(fig5.text)![1];
  t.is(scope, 'temperature_g firmware_p');
  const set = parseScope(scope, { table: TABLE });
  t.deepEqual(set.grants, []);
  t.deepEqual(set.unknown, ['temperature_g', 'firmware_p']);
  throwsKind(t, () => restrictTo(set, SENSOR_RESOURCES), 'invalid_scope');
});

test('text scope: unknown tokens beside known ones are reported, once each', (t) => {
  const set = parseScope('vitals:read door:weld vitals:read door:weld', { table: TABLE });
  t.deepEqual(set.unknown, ['door:weld']);
  t.true(allows(set, '/vitals', GET));
  const restricted = restrictTo(set, SENSOR_RESOURCES);
  t.deepEqual(restricted.unknown, ['door:weld']);
});

test('text scope without a table: every token is unknown', (t) => {
  const set = parseScope('lock:open');
  t.deepEqual(set.grants, []);
  t.deepEqual(set.unknown, ['lock:open']);
});

test('text scope tokens are looked up as own names only', (t) => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'length']) {
    const set = parseScope(name, { table: TABLE });
    t.deepEqual(set.grants, []);
    t.deepEqual(set.unknown, [name]);
  }
});

test('malformed text scopes are invalid_scope (RFC 6749 §3.3 syntax)', (t) => {
  for (const s of ['', ' ', 'lock:open ', ' lock:open', 'lock:open  alarm:disarm', 'lock:open\talarm:disarm',
    'lock "open"', 'lock\\open', 'lock\nopen', 'lock:öffnen', 'a\u0000b', 'x\u007f']) {
    throwsKind(t, () => parseScope(s, { table: TABLE }), 'invalid_scope');
  }
});

test('a bad device scope table is refused when it is built', (t) => {
  throwsKind(t, () => new TextScopeTable({ 'bad token': [{ path: '/lock', methods: 1 }] }), 'invalid_scope');
  throwsKind(t, () => new TextScopeTable({ ok: [{ path: 'lock', methods: 1 }] }), 'invalid_scope');
  throwsKind(t, () => new TextScopeTable({ ok: [{ path: '/lock', methods: 2 ** 32 }] }), 'invalid_scope');
  throwsKind(t, () => new TextScopeTable({ ok: [null as unknown as Grant] }), 'invalid_scope');
  throwsKind(t, () => new TextScopeTable({ ok: 'GET' as unknown as Grant[] }), 'invalid_scope');
});

// ---------------------------------------------------------------- malformed AIF

test('malformed AIF scopes are invalid_scope', (t) => {
  const cases: Array<[string, Uint8Array]> = [
    ['not CBOR (truncated)', fromHex('8282')],
    ['trailing bytes', fromHex('80' + '00')],
    ['reserved additional info', fromHex('1c')],
    ['a map, not an array', encode(new CborMap().set('/lock', 1))],
    ['a bare pair', encode(['/lock', 1])],
    ['a pair of three', encode([['/lock', 1, 2]])],
    ['a pair of one', encode([['/lock']])],
    ['path is bytes', encode([[utf8Encode('/lock'), 1]])],
    ['path is a number', encode([[1, 1]])],
    ['path is relative', encode([['lock', 1]])],
    ['path is empty', encode([['', 1]])],
    ['permissions negative', encode([['/lock', -1]])],
    ['permissions a float', encode([['/lock', 1.5]])],
    ['permissions text', encode([['/lock', 'GET']])],
    ['permissions null', encode([['/lock', null]])],
    ['permissions true', encode([['/lock', true]])],
    ['undefined method bit 7', encode([['/lock', 128]])],
    ['undefined method bit 31', encode([['/lock', 2 ** 31]])],
    ['Dynamic-GET (2^32)', encode([['/lock', 2 ** 32]])],
    ['POST and Dynamic-GET/DELETE (RFC 9237 Figure 2)', encode([['/a/make-coffee', 2 + 2 ** 32 + 2 ** 35]])],
    ['Dynamic-iPATCH (2^38)', encode([['/lock', 2 ** 38]])],
    ['beyond 2^53', fromHex('81826' + '52f6c6f636b' + '1bffffffffffffffff')],
    ['a tag around the array', fromHex('d818' + '81' + '82652f6c6f636b01')],
    ['too many entries', encode(Array.from({ length: 33 }, (_, i) => ['/r' + i, 1]))],
  ];
  for (const [name, bytes] of cases) {
    const e = throwsKind(t, () => parseScope(bytes), 'invalid_scope');
    t.true(e.message.length > 0, name);
  }
});

test('dynamic permissions are refused with a clear message', (t) => {
  const e = throwsKind(t, () => parseScope(encode([['/lock', 2 ** 32 + 1]])), 'invalid_scope');
  t.regex(e.message, /Dynamic/);
});

test('the entry limit is an option', (t) => {
  const ten = encode(Array.from({ length: 10 }, (_, i) => ['/r' + i, 1]));
  t.is(parseScope(ten).grants.length, 10);
  throwsKind(t, () => parseScope(ten, { maxEntries: 9 }), 'invalid_scope');
  throwsKind(t, () => parseScope('a b c', { maxEntries: 2 }), 'invalid_scope');
});

test('a scope that is neither text nor bytes is invalid_scope', (t) => {
  for (const v of [1, null, undefined, true, [['/lock', 1]], new CborMap()]) {
    throwsKind(t, () => parseScope(v as never), 'invalid_scope');
  }
});

test('fromAifValue reloads what toAifValue stored', (t) => {
  const set = parseScope('lock:open alarm:disarm', { table: TABLE });
  const again = fromAifValue(toAifValue(set));
  t.deepEqual(again.grants, set.grants);
});

// ---------------------------------------------------------------- properties

test('property: any bytes parse to a set or fail with invalid_scope', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    try {
      const set = parseScope(bytes);
      return set.grants.every((g) => g.path.charAt(0) === '/' && g.methods > 0 && g.methods <= 127);
    } catch (e) {
      return isCoreError(e) && e.kind === 'invalid_scope';
    }
  }), { numRuns: 3000 });
  t.pass();
});

test('property: any CBOR value as AIF parses or fails with invalid_scope', (t) => {
  const leaf = fc.oneof(
    fc.integer({ min: -1000, max: 2 ** 40 }), fc.double(), fc.string({ maxLength: 8 }),
    fc.constantFrom('/lock', '/alarm', '/', '/vitals'), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 4 }),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 })),
  })).v;
  fc.assert(fc.property(fc.array(value, { maxLength: 6 }), (arr) => {
    let bytes: Uint8Array;
    try {
      bytes = encode(arr as never);
    } catch {
      return true; // not encodable (integers beyond 2^53): nothing to parse
    }
    try {
      parseScope(bytes);
      return true;
    } catch (e) {
      return isCoreError(e) && e.kind === 'invalid_scope';
    }
  }), { numRuns: 3000 });
  t.pass();
});

test('property: any text parses or fails with invalid_scope', (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 40, unit: 'binary' }), (s) => {
    try {
      const set = parseScope(s, { table: TABLE });
      return set.unknown.every((u) => s.split(' ').includes(u));
    } catch (e) {
      return isCoreError(e) && e.kind === 'invalid_scope';
    }
  }), { numRuns: 3000 });
  t.pass();
});

test('property: a valid AIF grants exactly the union of its entries', (t) => {
  const path = fc.constantFrom('/lock', '/alarm', '/vitals', '/vitals/history', '/a/b');
  fc.assert(fc.property(fc.array(fc.tuple(path, fc.integer({ min: 0, max: 127 })), { maxLength: 12 }), fc.integer({ min: 1, max: 7 }), path, (pairs, method, probe) => {
    const set: PermissionSet = parseScope(encode(pairs));
    const expected = pairs.filter(([p]) => p === probe).reduce((a, [, m]) => a | m, 0);
    return allows(set, probe, method) === ((expected & (1 << (method - 1))) !== 0) &&
      decide(set, probe, method) === (expected === 0 ? 'forbidden' : (expected & (1 << (method - 1))) ? 'granted' : 'method_not_allowed');
  }), { numRuns: 2000 });
  t.pass();
});
