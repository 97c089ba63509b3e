/**
 * `ace-device`: runs a provisioned device on UDP.
 *
 *   ace-device serve --keystore DIR [--host 127.0.0.1] [--port 5683]
 *   ace-device serve --demo [--port 5683]
 *
 * Logs are JSON lines on stdout (one event each: time, level, event, fields); keys never
 * appear in them. SIGINT/SIGTERM close the socket and flush the device's state.
 */
import { parseArgs } from 'node:util';
import { CoreError } from '../../errors.ts';
import { formatEvent } from '../../ace/audit.ts';
import { DeviceHost } from './device-host.ts';
import { makeDemo } from './demo.ts';

const USAGE = `usage: ace-device serve --keystore DIR [--host 127.0.0.1] [--port 5683]
       ace-device serve --demo [--host 127.0.0.1] [--port 5683]

  --keystore DIR  a device directory written by 'ace-provision device' (DIR/keystore.cbor)
  --demo          a demo door lock with a throwaway keystore; prints where its AS keys are
  --host ADDR     address to bind (default 127.0.0.1)
  --port N        UDP port (default 5683; 0 picks a free one)
  --help          this text`;

export type Logger = (level: string, event: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(write: (line: string) => void): Logger {
  return (level, event, fields) => write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }) + '\n');
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Resolves when the process should stop (a signal); tests pass their own. */
  stopped?: Promise<string>;
  /** Called with the running host (tests). */
  onStarted?: (host: DeviceHost) => void;
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => resolve(signal);
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

export async function main(argv: string[], io?: Io): Promise<number> {
  const out = io?.out ?? ((s: string) => process.stdout.write(s));
  const err = io?.err ?? ((s: string) => process.stderr.write(s));
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        keystore: { type: 'string' },
        demo: { type: 'boolean' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '5683' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    err(`ace-device: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out(USAGE + '\n');
    return 0;
  }
  if (positionals[0] !== 'serve' || positionals.length !== 1) {
    err(`ace-device: expected the command 'serve'\n${USAGE}\n`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    err(`ace-device: --port must be a port number, not '${values.port}'\n`);
    return 2;
  }
  if ((values.keystore === undefined) === (values.demo !== true)) {
    err(`ace-device: give exactly one of --keystore DIR and --demo\n${USAGE}\n`);
    return 2;
  }
  const log = jsonLogger(out);
  let host: DeviceHost;
  try {
    let dir = values.keystore as string | undefined;
    if (values.demo) {
      const demo = await makeDemo();
      dir = demo.deviceDir;
      log('info', 'demo', {
        device: demo.deviceDir, as: demo.asDir, record: demo.recordFile,
        mint: `ace-provision token --as ${demo.asDir} --record ${demo.recordFile} --scope "lock:open"`,
      });
    }
    host = await DeviceHost.fromDirectory(dir as string, {
      host: values.host,
      port,
      onError: (e) => log('warn', 'socket_error', { message: e.message }),
    });
  } catch (e) {
    err(`ace-device: ${e instanceof CoreError ? e.message : (e as Error).message}\n`);
    return 1;
  }
  const ks = host.device.keystore;
  for (const note of host.device.bootNotes) log('warn', 'boot', { note });
  log('info', 'serving', { id: ks.id, kind: ks.kind, audience: ks.audience, mode: ks.mode, clock: ks.hasClock, address: values.host, port: host.port, tokens: host.device.rs.tokens.size });
  host.device.rs.audit.onRecord = (e) => log(e.granted ? 'info' : 'warn', 'access', { decision: formatEvent(e) });
  io?.onStarted?.(host);
  const signal = await (io?.stopped ?? untilSignal());
  await host.close();
  log('info', 'stopped', { signal, tokens: host.device.rs.tokens.size });
  return 0;
}
