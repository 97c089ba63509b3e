/** `ace-device`: serves a provisioned directory, logs JSON lines, stops cleanly; wrong use is one line and a non-zero exit. */
import test from 'ava';
import { main } from '../../device/hosts/node/cli.ts';
import { makeDemo } from '../../device/hosts/node/demo.ts';
import type { DeviceHost } from '../../device/hosts/node/device-host.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

test('serve --keystore DIR runs the device until told to stop, logging JSON lines', async (t) => {
  const demo = await makeDemo();
  const c = capture();
  let stop!: (s: string) => void;
  let started: DeviceHost | null = null;
  const code = main(['serve', '--keystore', demo.deviceDir, '--port', '0'], {
    ...c.io,
    stopped: new Promise((resolve) => (stop = resolve)),
    onStarted: (host) => {
      started = host;
      stop('SIGTERM');
    },
  });
  t.is(await code, 0);
  t.truthy(started);
  const events = c.out.join('').trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(events.map((e) => e.event), ['serving', 'stopped']);
  t.is(events[0].kind, 'lock');
  t.is(events[1].signal, 'SIGTERM');
  t.false(c.out.join('').includes('"k"'), 'no key material in the log');
});

test('wrong use: one clear line and a non-zero exit', async (t) => {
  for (const argv of [[], ['serve'], ['serve', '--demo', '--keystore', 'x'], ['serve', '--keystore', '/nonexistent'], ['serve', '--demo', '--port', 'abc'], ['frobnicate']]) {
    const c = capture();
    const code = await main(argv, c.io);
    t.not(code, 0, argv.join(' '));
    t.regex(c.err.join(''), /^ace-device: /, argv.join(' '));
  }
  const help = capture();
  t.is(await main(['--help'], help.io), 0);
  t.regex(help.out.join(''), /usage: ace-device serve/);
});
