/**
 * Each command of ace-provision through run(argv) with a temp directory: what it writes
 * (formats, modes, atomicity), what it prints, and every wrong use as one line on stderr with
 * a non-zero exit, never carrying key material.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CborMap, decode, portableCbor } from '../../device/codec/cbor.ts';
import { toHex } from '../../device/codec/bytes.ts';
import { nodeProvider } from '../../device/crypto/node/provider.ts';
import { Alg } from '../../device/crypto/provider.ts';
import { openKeystore, parseKeystore } from '../../device/runtime/keystore.ts';
import { verifyCwt } from '../../device/cwt/verify.ts';
import { publicPart } from '../../device/cose/key.ts';
import { readAs, readAnchors } from '../../provisioning/as-file.ts';
import { openRecord } from '../../provisioning/record.ts';
import { main } from '../../provisioning/cli.ts';
import { assertOneLineFailure, cli, tempDir } from './helpers.ts';

const provider = nodeProvider();
const sha = (d: Uint8Array) => provider.sha256(d);
const COMMANDS = ['as init', 'device', 'batch', 'token', 'inspect', 'rotate'];

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function keystoreOf(dir: string) {
  return parseKeystore(openKeystore(new Uint8Array(readFileSync(join(dir, 'keystore.cbor'))), sha));
}

function recordOf(dir: string) {
  return openRecord(new Uint8Array(readFileSync(join(dir, 'record.cbor'))), sha, 'record');
}

async function asDir(t: Parameters<typeof tempDir>[0], extra: string[] = []): Promise<{ root: string; as: string }> {
  const root = tempDir(t);
  const as = join(root, 'as');
  const r = await cli(['as', 'init', '--out', as, ...extra]);
  t.is(r.code, 0, r.err);
  return { root, as };
}

/** Every secret of an AS and a device, as hex, to look for in messages. */
function secretsOf(as: string, dev: string): string[] {
  const a = readAs(as, provider);
  const ks = keystoreOf(dev);
  const out = a.keys.map((k) => toHex(k.key.privateKey!));
  out.push(toHex(ks.deviceKey.privateKey!), ...ks.symmetricKeys.map((k) => toHex(k.k!)));
  if (ks.asOscore) out.push(toHex(ks.asOscore.masterSecret));
  return out;
}

test('--help on every command; no command or an unknown one is a wrong use', async (t) => {
  for (const c of COMMANDS) {
    const r = await cli([...c.split(' '), '--help']);
    t.is(r.code, 0, c);
    t.regex(r.out, new RegExp('^Usage: ace-provision ' + c), c);
  }
  t.regex((await cli(['--help'])).out, /^Usage: ace-provision <command>/);
  t.is((await cli([])).code, 2);
  assertOneLineFailure(t, await cli(['frobnicate']), /unknown command "frobnicate"/, 2);
  assertOneLineFailure(t, await cli(['as', 'make']), /as init/, 2);
});

test('main() is the bin entry: it writes to the process streams and returns the exit code', async (t) => {
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => { written.push(String(chunk)); return true; }) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(['device', '--help']);
  } finally {
    process.stdout.write = original;
  }
  t.is(code, 0);
  t.regex(written.join(''), /Usage: ace-provision device/);
});

test('as init writes a sealed AS key file (0600) and public anchors (0644), atomically, in a 0700 directory', async (t) => {
  const { as } = await asDir(t, ['--uri', 'coap://as.example:5684']);
  t.is(mode(as), 0o700);
  t.is(mode(join(as, 'as.cbor')), 0o600);
  t.is(mode(join(as, 'anchors.cbor')), 0o644);
  t.deepEqual(readdirSync(as).sort(), ['anchors.cbor', 'as.cbor'], 'no temp file left');
  const a = readAs(as, provider);
  t.is(a.uri, 'coap://as.example:5684');
  t.is(a.keys.length, 1);
  t.is(a.keys[0].key.alg, Alg.EdDSA);
  t.regex(Buffer.from(a.keys[0].key.kid!).toString(), /^as-[0-9a-f]{8}$/);
  const anchors = readAnchors(as, provider);
  t.deepEqual(anchors.keys[0].key, publicPart(a.keys[0].key));
  t.is(anchors.keys[0].key.privateKey, null);
  const outer = decode(new Uint8Array(readFileSync(join(as, 'as.cbor')))) as unknown[];
  t.is(outer[0], 'ace-as-keys');
  t.is(outer[1], 1);
  // ES256
  const root = tempDir(t);
  t.is((await cli(['as', 'init', '--out', join(root, 'es'), '--alg', 'ES256'])).code, 0);
  t.is(readAs(join(root, 'es'), provider).keys[0].key.alg, Alg.ES256);
});

test('as init: existing output, unknown algorithm, bad URI, missing or unknown options', async (t) => {
  const { as } = await asDir(t);
  const before = readFileSync(join(as, 'as.cbor'));
  assertOneLineFailure(t, await cli(['as', 'init', '--out', as]), /as\.cbor exists \(use --force to overwrite\)/, 1);
  t.deepEqual(readFileSync(join(as, 'as.cbor')), before);
  t.is((await cli(['as', 'init', '--out', as, '--force'])).code, 0);
  t.notDeepEqual(readFileSync(join(as, 'as.cbor')), before);
  assertOneLineFailure(t, await cli(['as', 'init', '--out', as, '--force', '--alg', 'RS256']), /unknown algorithm "RS256" \(EdDSA or ES256\)/, 2);
  assertOneLineFailure(t, await cli(['as', 'init', '--out', as, '--force', '--uri', 'http://x']), /--uri must be a coap/, 2);
  assertOneLineFailure(t, await cli(['as', 'init']), /--out DIR is required/, 2);
  assertOneLineFailure(t, await cli(['as', 'init', '--out', as, '--bogus']), /Unknown option '--bogus'/, 2);
  assertOneLineFailure(t, await cli(['as', 'init', '--out']), /argument missing/, 2);
  const file = join(tempDir(t), 'plain-file');
  writeFileSync(file, 'x');
  assertOneLineFailure(t, await cli(['as', 'init', '--out', file]), /not a directory|cannot create/, 1);
});

test('device: a keystore the device runtime reads and a record the AS reads, consistent with each other', async (t) => {
  const { root, as } = await asDir(t);
  const out = join(root, 'LOCK-7');
  const r = await cli(['device', '--as', as, '--id', 'LOCK-7', '--kind', 'lock', '--out', out]);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /LOCK-7 \(lock, disconnected, clock, X25519, audience LOCK-7\)/);
  t.is(mode(join(out, 'keystore.cbor')), 0o600);
  t.is(mode(join(out, 'record.cbor')), 0o600);
  const ks = keystoreOf(out);
  const rec = recordOf(out);
  const a = readAs(as, provider);
  t.is(ks.id, 'LOCK-7');
  t.is(ks.kind, 'lock');
  t.true(ks.hasClock);
  t.is(ks.mode, 'disconnected');
  t.is(ks.asUri, a.uri);
  t.deepEqual(ks.asKeys, [publicPart(a.keys[0].key)]);
  t.is(ks.asSeq, 0);
  t.is(ks.asOscore, null);
  t.deepEqual(ks.symmetricKeys.map((k) => [k.alg, k.k!.length]), [[Alg.AES_CCM_16_64_128, 16], [Alg.HMAC_256_64, 32]]);
  t.deepEqual(rec.sharedKeys, ks.symmetricKeys);
  t.deepEqual(rec.devicePublicKey, publicPart(ks.deviceKey));
  t.deepEqual(rec.asId, a.id);
  t.deepEqual(rec.scopes, ks.scopes);
  t.deepEqual(rec.singleUse, ['lock:open-once']);
  t.is(rec.audience, 'LOCK-7');
});

test('device: a connected P-256 sensor without clock, audience and scopes of its own', async (t) => {
  const { root, as } = await asDir(t);
  const scopes = join(root, 'scopes.json');
  writeFileSync(scopes, JSON.stringify({ scopes: { 'ward:read': [['/vitals', ['GET']], ['/vitals/history', 1]] }, once: ['ward:read'] }));
  const out = join(root, 'S1');
  const r = await cli(['device', '--as', as, '--id', 'S1', '--kind', 'sensor', '--mode', 'connected', '--no-clock', '--curve', 'P-256', '--audience', 'coap://ward-3/s1', '--scopes', scopes, '--out', out]);
  t.is(r.code, 0, r.err);
  const ks = keystoreOf(out);
  const rec = recordOf(out);
  t.false(ks.hasClock);
  t.is(ks.deviceKey.crv, 1);
  t.is(ks.audience, 'coap://ward-3/s1');
  t.deepEqual(ks.scopes, { 'ward:read': [{ path: '/vitals', methods: 1 }, { path: '/vitals/history', methods: 1 }] });
  t.deepEqual(ks.singleUse, ['ward:read']);
  // the two halves of the OSCORE channel mirror each other
  const d = ks.asOscore!;
  const s = rec.asOscore!;
  t.deepEqual(d.masterSecret, s.masterSecret);
  t.deepEqual(d.masterSalt, s.masterSalt);
  t.deepEqual(d.senderId, s.recipientId);
  t.deepEqual(d.recipientId, s.senderId);
  t.is(d.masterSecret.length, 16);
});

test('device: wrong uses', async (t) => {
  const { root, as } = await asDir(t);
  const base = ['device', '--as', as, '--id', 'D1', '--kind', 'lock', '--out', join(root, 'D1')];
  t.is((await cli(base)).code, 0);
  assertOneLineFailure(t, await cli(base), /keystore\.cbor exists \(use --force to overwrite\)/, 1);
  mkdirSync(join(root, 'D1', 'state'));
  const forced = await cli([...base, '--force']);
  t.is(forced.code, 0);
  t.false(existsSync(join(root, 'D1', 'state')), 'old state removed');
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', 'D2', '--kind', 'fridge']), /--kind must be lock or sensor/, 2);
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', '../x', '--kind', 'lock']), /is not a serial/, 2);
  assertOneLineFailure(t, await cli(['device', '--as', as, '--kind', 'lock']), /--id SERIAL is required/, 2);
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', 'D3', '--kind', 'lock', '--curve', 'secp256k1']), /--curve must be X25519 or P-256/, 2);
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', 'D3', '--kind', 'lock', '--mode', 'online']), /--mode must be connected or disconnected/, 2);
  assertOneLineFailure(t, await cli(['device', '--as', join(root, 'nowhere'), '--id', 'D3', '--kind', 'lock', '--out', join(root, 'D3')]), /no AS trust anchors file at .*nowhere.*anchors\.cbor/, 1);
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', 'D3', '--kind', 'lock', '--no-mode']), /Unknown option '--no-mode'/, 2);
  const bad = join(root, 'bad.json');
  writeFileSync(bad, JSON.stringify({ scopes: { 'door:open': [['/door', ['POST']]] } }));
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', 'D3', '--kind', 'lock', '--scopes', bad, '--out', join(root, 'D3')]), /a lock has no resource \/door/, 1);
  writeFileSync(bad, JSON.stringify({ scopes: { 'v:w': [['/vitals', ['POST']]] } }));
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', 'D3', '--kind', 'sensor', '--scopes', bad, '--out', join(root, 'D3')]), /does not take all those methods/, 1);
  writeFileSync(bad, '{not json');
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', 'D3', '--kind', 'sensor', '--scopes', bad, '--out', join(root, 'D3')]), /not JSON/, 1);
  // the wrong kind of file where the anchors belong
  writeFileSync(join(as, 'anchors.cbor'), readFileSync(join(root, 'D1', 'record.cbor')));
  assertOneLineFailure(t, await cli(['device', '--as', as, '--id', 'D3', '--kind', 'lock', '--out', join(root, 'D3')]), /anchors\.cbor is a device registration record, not an AS trust anchors file/, 1);
  t.false(existsSync(join(root, 'D3')), 'nothing written after a failure');
});

test('corrupted and truncated files are reported, never half-used', async (t) => {
  const { root, as } = await asDir(t);
  const dev = join(root, 'L1');
  t.is((await cli(['device', '--as', as, '--id', 'L1', '--kind', 'lock', '--out', dev])).code, 0);
  const record = readFileSync(join(dev, 'record.cbor'));
  writeFileSync(join(dev, 'record.cbor'), record.subarray(0, record.length - 5));
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', dev, '--scope', 'lock:open']), /record\.cbor: not a device registration record \(not CBOR: truncated or corrupted\?\)/, 1);
  const flipped = Buffer.from(record);
  flipped[60] ^= 0x01;
  writeFileSync(join(dev, 'record.cbor'), flipped);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', dev, '--scope', 'lock:open']), /record\.cbor: integrity check failed/, 1);
  writeFileSync(join(dev, 'record.cbor'), record);
  const asFile = readFileSync(join(as, 'as.cbor'));
  writeFileSync(join(as, 'as.cbor'), asFile.subarray(0, 40));
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', dev, '--scope', 'lock:open']), /as\.cbor: not an AS key file/, 1);
  writeFileSync(join(as, 'as.cbor'), asFile);
  // a future version
  const v2 = decode(new Uint8Array(record)) as unknown[];
  v2[1] = 2;
  writeFileSync(join(dev, 'record.cbor'), portableCbor.encode(v2 as never));
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', dev, '--scope', 'lock:open']), /device registration record version 2 is not supported \(this tool reads version 1\)/, 1);
  writeFileSync(join(dev, 'record.cbor'), record);
  t.is((await cli(['token', '--as', as, '--record', dev, '--scope', 'lock:open'])).code, 0);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', join(as, 'as.cbor'), '--scope', 'lock:open']), /as\.cbor is an AS key file, not a device registration record/, 1);
});

test('token: every form verifies on the device side; cti counts; the PoP key given is used', async (t) => {
  const { root, as } = await asDir(t);
  const dev = join(root, 'L1');
  t.is((await cli(['device', '--as', as, '--id', 'L1', '--kind', 'lock', '--out', dev])).code, 0);
  const ks = keystoreOf(dev);
  const policy = {
    keys: ks.asKeys.concat(ks.symmetricKeys), cnfKeys: ks.symmetricKeys.concat([ks.deviceKey]), audience: 'L1',
    clock: { nowSeconds: () => Date.now() / 1000, monotonicMs: () => 0 },
  };
  const ctis: string[] = [];
  for (const form of ['signed', 'osc', 'maced']) {
    const r = await cli(['token', '--as', as, '--record', join(dev, 'record.cbor'), '--scope', 'lock:open alarm:read', '--form', form, '--pop-key', '00112233445566778899aabbccddeeff', '--pop-kid', '0a0b']);
    t.is(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    t.is(j.form, form);
    t.is(j.client.masterSecret, '00112233445566778899aabbccddeeff');
    t.is(j.client.id, '0a0b');
    t.is(j.client.aeadAlg, 10);
    t.is(Buffer.from(j.token.base64, 'base64').toString('hex'), j.token.hex);
    t.is(j.signedBy === null, form !== 'signed');
    const v = verifyCwt(new Uint8Array(Buffer.from(j.token.hex, 'hex')), policy, provider, portableCbor);
    t.is(v.claims.scope, 'lock:open alarm:read');
    t.deepEqual(v.claims.aud, ['L1']);
    t.is(v.claims.iss, 'coap://as.local');
    t.truthy(v.claims.exp);
    const c = v.confirmation!;
    const ms = c.kind === 'osc' ? c.osc.ms : c.kind === 'key' ? c.key.k : null;
    t.is(toHex(ms!), '00112233445566778899aabbccddeeff');
    ctis.push(j.cti);
  }
  t.deepEqual(ctis, ['01', '02', '03']);
  t.is(readAs(as, provider).cti, 4);
  // nested osc and the AS–device key for a signed token
  t.is((await cli(['token', '--as', as, '--record', dev, '--scope', 'lock:read', '--form', 'osc', '--nested'])).code, 0);
  t.is((await cli(['token', '--as', as, '--record', dev, '--scope', 'lock:read', '--to', 'shared-key'])).code, 0);
  const exi = JSON.parse((await cli(['token', '--as', as, '--record', dev, '--scope', 'lock:read', '--exi', '60'])).out);
  t.is(exi.exi, 60);
  t.is(exi.exp, null);
});

test('token: wrong uses, and --out keeps the client material out of stdout', async (t) => {
  const { root, as } = await asDir(t);
  const lock = join(root, 'L1');
  const sensor = join(root, 'S1');
  t.is((await cli(['device', '--as', as, '--id', 'L1', '--kind', 'lock', '--out', lock])).code, 0);
  t.is((await cli(['device', '--as', as, '--id', 'S1', '--kind', 'sensor', '--out', sensor])).code, 0);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', sensor, '--scope', 'vitals:read']), /S1 has no clock: --cnonce HEX .* is required/, 2);
  const ok = await cli(['token', '--as', as, '--record', sensor, '--scope', 'vitals:read', '--cnonce', '0102030405060708']);
  t.is(ok.code, 0, ok.err);
  t.is(JSON.parse(ok.out).exi, 3600);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', lock, '--scope', 'vitals:read']), /scope "vitals:read" is not one device L1 knows \(lock:open, /, 2);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', lock, '--scope', 'lock:open', '--form', 'jwt']), /--form must be signed or osc or maced/, 2);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', lock, '--scope', 'lock:open', '--pop-key', '0011']), /--pop-key must be 16 to 64 bytes/, 2);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', lock, '--scope', 'lock:open', '--lifetime', '10', '--exi', '10']), /--lifetime or --exi, not both/, 2);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', lock, '--scope', 'lock:open', '--lifetime', '-5']), /--lifetime/, 2);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', lock, '--scope', 'lock:open', '--signing-key', 'as-00000000']), /no signing key .* with that kid/, 1);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', join(root, 'none.cbor'), '--scope', 'lock:open']), /no device record at .*none\.cbor/, 1);
  // a record from another AS
  const other = join(root, 'as2');
  t.is((await cli(['as', 'init', '--out', other])).code, 0);
  assertOneLineFailure(t, await cli(['token', '--as', other, '--record', lock, '--scope', 'lock:open']), /made by another AS/, 1);
  // --out
  const file = join(root, 'tok.json');
  const r = await cli(['token', '--as', as, '--record', lock, '--scope', 'lock:open', '--out', file]);
  t.is(r.code, 0, r.err);
  t.is(mode(file), 0o600);
  const written = JSON.parse(readFileSync(file, 'utf8'));
  t.regex(written.client.masterSecret, /^[0-9a-f]{32}$/);
  t.false(r.out.includes(written.client.masterSecret));
  t.regex(r.out, /"client": "in .*tok\.json \(mode 0600\)"/);
  assertOneLineFailure(t, await cli(['token', '--as', as, '--record', lock, '--scope', 'lock:open', '--out', file]), /tok\.json exists/, 1);
});

test('no failure message carries key material', async (t) => {
  const { root, as } = await asDir(t);
  const dev = join(root, 'C1');
  t.is((await cli(['device', '--as', as, '--id', 'C1', '--kind', 'lock', '--mode', 'connected', '--out', dev])).code, 0);
  const secrets = secretsOf(as, dev);
  const failures = [
    ['device', '--as', as, '--id', 'C1', '--kind', 'lock', '--out', dev],
    ['token', '--as', as, '--record', dev, '--scope', 'nope'],
    ['token', '--as', as, '--record', join(dev, 'keystore.cbor'), '--scope', 'lock:open'],
    ['inspect', join(dev, 'keystore.cbor'), '--as', dev],
    ['rotate', '--as', as, '--retire'],
    ['token', '--as', as, '--record', dev, '--scope', 'lock:open', '--pop-key', secrets[1].slice(0, 30)],
  ];
  for (const args of failures) {
    const r = await cli(args);
    t.not(r.code, 0, args.join(' '));
    for (const s of secrets) t.false(r.err.toLowerCase().includes(s.slice(0, 16)), 'secret in: ' + r.err);
  }
  // the masked inspect output carries none either
  for (const f of ['keystore.cbor', 'record.cbor']) {
    const r = await cli(['inspect', join(dev, f)]);
    t.is(r.code, 0);
    for (const s of secrets) t.false(r.out.includes(s), f + ' shows a secret');
  }
  const r = await cli(['inspect', join(as, 'as.cbor')]);
  for (const s of secrets) t.false(r.out.includes(s), 'as.cbor shows a secret');
  t.true((decode(new Uint8Array(readFileSync(join(as, 'as.cbor')))) as unknown[]).length === 4);
  t.true(new CborMap() instanceof CborMap);
});
