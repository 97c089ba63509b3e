/**
 * inspect round-trips everything the CLI writes: with --reveal the first EDN item of its
 * output parses back to the very bytes of the file (or token); checks report what fails.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from '../../device/codec/cbor.ts';
import { toHex } from '../../device/codec/bytes.ts';
import { assertOneLineFailure, cli, parseEdn, tempDir } from './helpers.ts';

async function world(t: Parameters<typeof tempDir>[0]) {
  const root = tempDir(t);
  const as = join(root, 'as');
  const lock = join(root, 'L1');
  const sensor = join(root, 'S1');
  t.is((await cli(['as', 'init', '--out', as])).code, 0);
  t.is((await cli(['device', '--as', as, '--id', 'L1', '--kind', 'lock', '--mode', 'connected', '--out', lock])).code, 0);
  t.is((await cli(['device', '--as', as, '--id', 'S1', '--kind', 'sensor', '--curve', 'P-256', '--out', sensor])).code, 0);
  return { root, as, lock, sensor };
}

function firstItem(out: string): Uint8Array {
  const items = parseEdn(out);
  return encode(items[0]);
}

test('every file the CLI writes round-trips through inspect --reveal', async (t) => {
  const w = await world(t);
  t.is((await cli(['rotate', '--as', w.as])).code, 0);
  const files = [
    join(w.as, 'as.cbor'), join(w.as, 'anchors.cbor'), join(w.as, 'updates', 'anchor-update-0001.cose'),
    join(w.lock, 'keystore.cbor'), join(w.lock, 'record.cbor'), join(w.sensor, 'keystore.cbor'), join(w.sensor, 'record.cbor'),
  ];
  for (const f of files) {
    const r = await cli(['inspect', f, '--reveal', '--as', w.as]);
    t.is(r.code, 0, f + ': ' + r.err);
    t.is(toHex(firstItem(r.out)), toHex(new Uint8Array(readFileSync(f))), f);
  }
});

test('tokens of every form round-trip, from hex, base64 and the token file; keys open what they can', async (t) => {
  const w = await world(t);
  for (const form of ['signed', 'osc', 'maced']) {
    const r = await cli(['token', '--as', w.as, '--record', w.lock, '--scope', 'lock:open', '--form', form]);
    const j = JSON.parse(r.out);
    for (const arg of [j.token.hex, j.token.base64]) {
      const shown = await cli(['inspect', arg, '--reveal']);
      t.is(shown.code, 0, shown.err);
      t.is(toHex(firstItem(shown.out)), j.token.hex, form);
    }
    const checked = await cli(['inspect', j.token.hex, '--as', w.as, '--keystore', w.lock]);
    t.is(checked.code, 0, checked.err);
    if (form === 'signed') {
      t.regex(checked.out, /signature: verified with AS key "as-/);
      t.regex(checked.out, /cnf: Encrypted_COSE_Key decrypted with the device's keys/);
      t.regex(checked.out, /\/ k \/ -1: h'…' \/ masked 16 bytes \//);
    }
    if (form === 'osc') {
      t.regex(checked.out, /decrypted claims/);
      t.regex(checked.out, /\/ ms \/ 2: h'…' \/ masked 16 bytes \//);
    }
    if (form === 'maced') t.regex(checked.out, /MAC: verified with the AS–device key "mac"/);
    t.regex(checked.out, /claims: for L1; scope lock:open; valid until/);
    t.false(checked.out.includes(j.client.masterSecret), 'PoP key masked');
    const revealed = await cli(['inspect', j.token.hex, '--keystore', w.lock, '--reveal']);
    t.true(revealed.out.includes(j.client.masterSecret), 'PoP key revealed');
  }
  const file = join(w.root, 'tok.json');
  t.is((await cli(['token', '--as', w.as, '--record', w.lock, '--scope', 'lock:read', '--out', file])).code, 0);
  const fromFile = await cli(['inspect', file, '--as', w.as]);
  t.is(fromFile.code, 0, fromFile.err);
  t.regex(fromFile.out, /token file of L1, with the client material \(PoP key masked, 16 bytes/);
  t.regex(fromFile.out, /signature: verified/);
  // a nested token: the inner one is shown and checked too
  const nested = JSON.parse((await cli(['token', '--as', w.as, '--record', w.lock, '--scope', 'lock:read', '--form', 'osc', '--nested'])).out);
  const n = await cli(['inspect', nested.token.hex, '--keystore', w.lock]);
  t.is(n.code, 0, n.err);
  t.regex(n.out, /decrypted: a nested CWT/);
  t.regex(n.out, /inner CWT: COSE_Sign1, EdDSA/);
  t.regex(n.out, /signature: verified/);
});

test('a directory shows each of its files; the manifest is checked line by line', async (t) => {
  const w = await world(t);
  const d = await cli(['inspect', w.lock]);
  t.is(d.code, 0, d.err);
  t.regex(d.out, /==== .*keystore\.cbor ====[\s\S]*==== .*record\.cbor ====/);
  const batch = join(w.root, 'batch');
  t.is((await cli(['batch', '--as', w.as, '--count', '3', '--out', batch])).code, 0);
  const m = await cli(['inspect', join(batch, 'manifest.jsonl'), '--as', w.as]);
  t.is(m.code, 0, m.err);
  t.regex(m.out, /manifest: 3 device\(s\)/);
  t.regex(m.out, /SN-000003: lock, disconnected, audience SN-000003, record ok/);
});

test('failed checks: wrong AS, wrong device, a corrupted file; and inputs that are nothing', async (t) => {
  const w = await world(t);
  const other = join(w.root, 'as2');
  t.is((await cli(['as', 'init', '--out', other])).code, 0);
  const j = JSON.parse((await cli(['token', '--as', w.as, '--record', w.lock, '--scope', 'lock:open'])).out);
  const wrongAs = await cli(['inspect', j.token.hex, '--as', other]);
  assertOneLineFailure(t, wrongAs, /check\(s\) failed; first: signature: does not verify/, 1);
  t.regex(wrongAs.out, /18\(\[/, 'still shown');
  const wrongDevice = await cli(['inspect', j.token.hex, '--keystore', w.sensor]);
  assertOneLineFailure(t, wrongDevice, /cnf: the Encrypted_COSE_Key does not decrypt/, 1);
  assertOneLineFailure(t, await cli(['inspect', join(w.lock, 'record.cbor'), '--as', other]), /made by another AS/, 1);
  const ks = readFileSync(join(w.lock, 'keystore.cbor'));
  ks[ks.length - 3] ^= 0x40;
  writeFileSync(join(w.root, 'bad.cbor'), ks);
  const bad = await cli(['inspect', join(w.root, 'bad.cbor')]);
  assertOneLineFailure(t, bad, /device keystore: .*integrity check failed/, 1);
  t.regex(bad.out, /does not match the payload/);
  writeFileSync(join(w.root, 'cut.cbor'), readFileSync(join(w.lock, 'keystore.cbor')).subarray(0, 100));
  assertOneLineFailure(t, await cli(['inspect', join(w.root, 'cut.cbor')]), /not CBOR, JSON, hex or base64 .*truncated or corrupted/, 1);
  assertOneLineFailure(t, await cli(['inspect', 'not-a-thing!']), /is not a file, hex or base64/, 2);
  assertOneLineFailure(t, await cli(['inspect']), /give one FILE/, 2);
  assertOneLineFailure(t, await cli(['inspect', w.root]), /holds none of/, 2);
  assertOneLineFailure(t, await cli(['inspect', j.token.hex, '--keystore', join(w.root, 'nowhere')]), /no device keystore at/, 1);
  const plain = await cli(['inspect', 'a26161016162820203']);
  t.is(plain.code, 0);
  t.regex(plain.out, /none of the files this tool writes/);
});
