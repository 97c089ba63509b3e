/**
 * Debian's coap-client (libcoap3-bin, plain CoAP) as a third-party client of the device:
 * discovery, an unauthorized GET that yields creation hints, and a token POST that yields 2.01.
 * Skipped, with a message, where the binary is not installed (.ci/run installs it).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CborMap } from '../../device/codec/cbor.ts';
import { AceParam, CreationHint } from '../../device/ace/numbers.ts';
import { codec, makeWorld, mint, provider, startDevice } from './fixtures.ts';

const run = promisify(execFile);
const BINARY = 'coap-client-notls';

async function available(): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${BINARY}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs coap-client and returns the response's code and payload. Its printed payload turns
 * unprintable bytes into '.', so the payload is read from the hex dump it logs at verbosity 6
 * (the last `<<hex>>` line is the response's).
 */
async function coapClient(args: string[]): Promise<{ code: string; payload: Uint8Array }> {
  const { stdout, stderr } = await run(BINARY, ['-v', '6', '-B', '5', ...args], { encoding: 'utf8', timeout: 15000 });
  const log = stdout + stderr;
  const codes = [...log.matchAll(/t:(?:ACK|CON|NON) c:(\d\.\d\d)/g)];
  const dumps = [...log.matchAll(/<<([0-9a-f]+)>>/g)];
  return {
    code: codes.length ? codes[codes.length - 1][1] : '',
    payload: dumps.length ? new Uint8Array(Buffer.from(dumps[dumps.length - 1][1], 'hex')) : new Uint8Array(0),
  };
}

test('coap-client: discovery, creation hints, and a token accepted at /authz-info', async (t) => {
  if (!(await available())) {
    t.log(`${BINARY} is not installed (apt-get install libcoap3-bin); skipping`);
    t.pass();
    return;
  }
  const world = makeWorld('lock', true);
  const host = await startDevice(world);
  const base = `coap://127.0.0.1:${host.port}`;
  try {
    const discovery = await coapClient(['-m', 'get', `${base}/.well-known/core`]);
    t.is(discovery.code, '2.05');
    // a text payload is printed as it is, with no hex dump
    const links = (await run(BINARY, ['-v', '0', '-B', '5', '-m', 'get', `${base}/.well-known/core`], { encoding: 'utf8', timeout: 15000 })).stdout;
    t.regex(links, /<\/lock>/);
    t.regex(links, /<\/authz-info>/);

    const refused = await coapClient(['-m', 'get', `${base}/lock`]);
    t.is(refused.code, '4.01');
    const hints = codec.decode(refused.payload) as CborMap;
    t.is(hints.get(CreationHint.AS), 'coap://as.example');
    t.is(hints.get(CreationHint.Audience), 'lock-1');

    const issued = mint(world, { scope: 'lock:open' });
    const body = new CborMap()
      .set(AceParam.AccessToken, issued.token)
      .set(AceParam.Nonce1, provider.randomBytes(8))
      .set(AceParam.AceClientRecipientId, new Uint8Array([0x42]));
    const file = join(mkdtempSync(join(tmpdir(), 'coap-client-')), 'post.cbor');
    writeFileSync(file, codec.encode(body));
    const created = await coapClient(['-m', 'post', '-t', '19', '-f', file, `${base}/authz-info`]);
    t.is(created.code, '2.01');
    const reply = codec.decode(created.payload) as CborMap;
    t.true(reply.get(AceParam.Nonce2) instanceof Uint8Array);
    t.true(reply.get(AceParam.AceServerRecipientId) instanceof Uint8Array);
    t.is(host.device.rs.tokens.size, 1);
  } finally {
    await host.close();
  }
});
