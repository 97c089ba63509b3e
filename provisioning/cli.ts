/**
 * ace-provision: the manufacturing line's tool. `main(argv)` returns the exit code (the bin
 * shim sets it); `run(argv, io)` is the same with the outside world injected, for tests.
 *
 *   as init   the AS's signing key and trust anchors
 *   device    one device: keystore (flashed) and registration record (for the AS)
 *   batch     many devices, resumable, with a manifest
 *   token     a CWT for a phone, and the client material it needs
 *   inspect   any file this tool writes, or a token, as annotated CBOR diagnostic notation
 *   rotate    roll the AS's signing key (an anchor update devices verify)
 *
 * Every failure is one line on stderr and a non-zero exit (2: wrong use, 1: anything else,
 * 130: an interrupted batch); no message carries key material.
 */
import { join, resolve } from 'node:path';
import { portableCbor } from '../device/codec/cbor.ts';
import { isCoreError } from '../device/errors.ts';
import { nodeProvider } from '../device/crypto/node/provider.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { flag, hexBytes, integer, parseCommand, required, str, tristate } from './args.ts';
import type { OptionSpec, Parsed } from './args.ts';
import { CliError, failure, processIo, usage } from './io.ts';
import type { Io } from './io.ts';
import {
  AS_FILE, ANCHORS_FILE, algByName, checkUri, newAsFile, readAnchors, readAs, withAsLock, writeAs,
} from './as-file.ts';
import {
  CURVES, KEYSTORE_FILE, KINDS, MODES, RECORD_FILE, STATE_DIR, checkChoice, checkSerial, deviceFiles, provisionDevice,
  writeDeviceFiles,
} from './device.ts';
import { defaultScopes, parseScopeFile } from './scopes.ts';
import { countedDevices, fileDevices, runBatch } from './batch.ts';
import type { Defaults, PlannedDevice } from './batch.ts';
import { MANIFEST_FILE } from './manifest.ts';
import { openRecord } from './record.ts';
import { FORMS, kidText, mintToken, tokenReport } from './token.ts';
import type { TokenOptions } from './token.ts';
import { inspect, loadKeys, resolveInputs } from './inspect.ts';
import { rotate, updateFileName } from './rotate.ts';
import type { RotateMode } from './rotate.ts';
import { algName } from './labels.ts';
import { PUBLIC_MODE, SECRET_MODE, checkOverwrite, ensureDirectory, exists, readBytes, removeTree, writeFileAtomic } from './files.ts';
import { utf8Encode } from '../device/codec/bytes.ts';

const codec = portableCbor;
const DEFAULT_URI = 'coap://as.local';
const DEFAULT_LIFETIME = 3600;

const USAGE = `Usage: ace-provision <command> [options]

Commands:
  as init   create the AS's signing key pair and its public trust anchors
  device    provision one device: its keystore (to flash) and its record (for the AS)
  batch     provision many devices into one directory, resumably, with a manifest
  token     mint an access token (CWT) for a phone, with the client material it needs
  inspect   show a keystore, AS file, record, manifest, token or anchor update as CBOR
            diagnostic notation, checking what the given keys allow
  rotate    roll the AS's signing key: an anchor update that devices verify

Run \`ace-provision <command> --help\` for the options of a command.`;

const HELP: { [command: string]: string } = {
  'as init': `Usage: ace-provision as init --out DIR [--alg EdDSA|ES256] [--uri coap://...] [--force]

Creates DIR/as.cbor (the AS's signing key pair, kid "as-XXXXXXXX"; mode 0600) and
DIR/anchors.cbor (its public keys and URI: the trust anchors devices get; mode 0644).
  --out DIR     the AS directory (created with mode 0700)
  --alg ALG     EdDSA (Ed25519, default) or ES256 (P-256)
  --uri URI     the AS's URI, told to devices for creation hints (default ${DEFAULT_URI})
  --force       overwrite an existing AS (its old keys are lost)`,
  device: `Usage: ace-provision device --as DIR --id SERIAL --kind lock|sensor [options]

Provisions one device: OUT/keystore.cbor (flash this; mode 0600) and OUT/record.cbor
(the AS's registration record; mode 0600).
  --as DIR                the AS directory (only its public anchors.cbor is read)
  --id SERIAL             serial number (A-Z a-z 0-9 . _ -, at most 64)
  --kind lock|sensor      the device's kind: its resources and default scopes
  --mode MODE             disconnected (default) or connected (gets an OSCORE channel to the AS)
  --clock / --no-clock    whether it has a real-time clock (default: a lock has, a sensor not)
  --curve CURVE           its key pair for ECDH-ES cnf: X25519 (default) or P-256
  --audience AUD          the audience its tokens carry (default: the serial)
  --scopes FILE           JSON scope table {"scopes": {...}, "once": [...]} (default: by kind)
  --out DIR               output directory (default: ./SERIAL)
  --force                 overwrite an existing device (and drop its old state/)`,
  batch: `Usage: ace-provision batch --as DIR --out DIR (--count N [--prefix SN-] | --serials FILE) [options]

Provisions many devices into OUT/SERIAL/ and lists them in OUT/manifest.jsonl. Resumable:
rerun the same command after an interruption; no device is made twice or skipped.
  --as DIR              the AS directory
  --out DIR             the batch directory
  --count N             N devices with serials PREFIX000001...
  --prefix P            serial prefix for --count (default SN-)
  --serials FILE        .csv (serial[,kind,mode,clock,audience,curve] with a header) or .json
  --kind lock|sensor    default kind (lock)
  --mode MODE           default mode (disconnected)
  --clock / --no-clock  default clock (by kind)
  --curve CURVE         default curve (X25519)`,
  token: `Usage: ace-provision token --as DIR --record FILE --scope SCOPE [options]

Mints a CWT for a phone with the AS's key and the device's record, and prints it (hex and
base64) with the client material (PoP key or osc input, id) as JSON.
  --as DIR             the AS directory (its cti counter advances)
  --record FILE        the device's record.cbor (or its directory)
  --scope "S ..."      text scope, e.g. "lock:open"
  --form FORM          signed (default; COSE_Sign1, PoP key encrypted to the device key),
                       osc (COSE_Encrypt0 with osc, RFC 9203), maced (COSE_Mac0)
  --lifetime S         seconds (default ${DEFAULT_LIFETIME}): exp with a clock, exi without one
  --exi S              lifetime as exi even for a device with a clock
  --cnonce HEX         the device's cnonce from its creation hints (needed without a clock)
  --pop-key HEX        the phone's PoP key / OSCORE master secret (16-64 bytes; fresh if absent)
  --pop-kid HEX        its identifier (fresh 4 bytes if absent)
  --to device-key|shared-key   signed: encrypt the PoP key to the device key or the AS–device key
  --nested             osc: a signed CWT inside the Encrypt0
  --signing-key KID    sign with this AS key (default: the current one)
  --out FILE           write the JSON (with the secret client material) to FILE, mode 0600`,
  inspect: `Usage: ace-provision inspect FILE|DIR|HEX|BASE64 [--as DIR] [--keystore DIR] [--record FILE] [--reveal]

Shows a keystore, AS file, trust anchors, record, manifest, token file, anchor update, or a
token given as hex/base64, as CBOR diagnostic notation with names, and checks integrity,
signatures, MACs and decryption with the keys given. Exit 1 if a check fails.
  --as DIR          verify signatures with the AS's public keys
  --keystore DIR    a device keystore: its AS–device keys and key pair decrypt tokens and cnf
  --record FILE     a device record: its AS–device keys
  --reveal          show key material (masked by default)`,
  rotate: `Usage: ace-provision rotate --as DIR [--alg EdDSA|ES256] [--not-before S] [--retire | --replace] [--out FILE]

Rolls the AS's signing key. Writes the anchor update (a COSE_Sign1 by the current key) to
DIR/updates/anchor-update-SEQ.cose and prints it; POST it to each device's /anchors
(content format 18), e.g. coap-client -m post -t 18 -f FILE coap://DEVICE/anchors.
  --alg ALG        the new key's algorithm (default: the current one's)
  --not-before S   devices (with a clock) and the AS use the new key S seconds from now (default 0)
  --retire         no new key: retire every key older than the current one
  --replace        new key at once, every other key retired in the same update (compromise)
  --out FILE       also write the update to FILE`,
};

interface Context {
  io: Io;
  provider: CryptoProvider;
}

function parse(command: string, argv: string[], spec: OptionSpec, positionals: number, io: Io): Parsed | null {
  const p = parseCommand(argv, spec, positionals);
  if (flag(p, 'help')) {
    io.out(HELP[command]);
    return null;
  }
  return p;
}

// ------------------------------------------------------------------ as init

function asInit(argv: string[], c: Context): number {
  const p = parse('as init', argv, { out: { type: 'string' }, alg: { type: 'string' }, uri: { type: 'string' }, force: { type: 'boolean' } }, 0, c.io);
  if (p === null) return 0;
  const dir = required(p, 'out', 'DIR');
  const alg = str(p, 'alg') ?? 'EdDSA';
  algByName(alg);
  const uri = checkUri(str(p, 'uri') ?? DEFAULT_URI);
  checkOverwrite(join(dir, AS_FILE), flag(p, 'force'));
  const as = newAsFile(alg, uri, c.provider, c.io.now());
  writeAs(dir, as, c.provider);
  const key = as.keys[0].key;
  c.io.out('AS ' + uri + ': signing key ' + kidText(key.kid!) + ' (' + alg + ') in ' + join(dir, AS_FILE) + ' (mode 0600); trust anchors in ' + join(dir, ANCHORS_FILE));
  return 0;
}

// ------------------------------------------------------------------ device

const DEVICE_SPEC: OptionSpec = {
  as: { type: 'string' }, id: { type: 'string' }, kind: { type: 'string' }, mode: { type: 'string' },
  clock: { type: 'boolean' }, curve: { type: 'string' }, audience: { type: 'string' }, scopes: { type: 'string' },
  out: { type: 'string' }, force: { type: 'boolean' },
};

function device(argv: string[], c: Context): number {
  const p = parse('device', argv, DEVICE_SPEC, 0, c.io);
  if (p === null) return 0;
  const asDir = required(p, 'as', 'DIR');
  const id = checkSerial(required(p, 'id', 'SERIAL'), '--id');
  const kind = checkChoice(required(p, 'kind', 'lock|sensor'), KINDS, '--kind');
  const mode = checkChoice(str(p, 'mode') ?? 'disconnected', MODES, '--mode');
  const curve = str(p, 'curve') ?? 'X25519';
  if (CURVES[curve] === undefined) usage('--curve must be X25519 or P-256');
  const clock = tristate(p, 'clock') ?? kind === 'lock';
  const audience = str(p, 'audience') ?? id;
  if (audience.length === 0 || audience.length > 255) usage('--audience must be 1 to 255 characters');
  const scopesPath = str(p, 'scopes');
  const scopes = scopesPath === undefined ? defaultScopes(kind) : parseScopeFile(readText(scopesPath, 'scopes file'), kind, scopesPath);
  const out = str(p, 'out') ?? id;
  const force = flag(p, 'force');
  checkOverwrite(join(out, KEYSTORE_FILE), force);
  checkOverwrite(join(out, RECORD_FILE), force);
  const anchors = readAnchors(asDir, c.provider);
  const made = provisionDevice({ id, kind, mode, hasClock: clock, curve, audience, scopes }, anchors, c.provider, c.io.now());
  writeDeviceFiles(out, deviceFiles(made, c.provider));
  if (force && exists(join(out, STATE_DIR))) {
    removeTree(join(out, STATE_DIR));
    c.io.out('removed the old device state ' + join(out, STATE_DIR));
  }
  c.io.out('device ' + id + ' (' + kind + ', ' + mode + ', ' + (clock ? 'clock' : 'no clock') + ', ' + curve + ', audience ' + audience + '):');
  c.io.out('  ' + join(out, KEYSTORE_FILE) + '  flash this (mode 0600)');
  c.io.out('  ' + join(out, RECORD_FILE) + '  registration record for the AS (mode 0600)');
  return 0;
}

function readText(path: string, what: string): string {
  return Buffer.from(readBytes(path, what)).toString('utf8');
}

// ------------------------------------------------------------------ batch

function batch(argv: string[], c: Context): number {
  const p = parse('batch', argv, {
    as: { type: 'string' }, out: { type: 'string' }, count: { type: 'string' }, prefix: { type: 'string' }, serials: { type: 'string' },
    kind: { type: 'string' }, mode: { type: 'string' }, clock: { type: 'boolean' }, curve: { type: 'string' },
  }, 0, c.io);
  if (p === null) return 0;
  const asDir = required(p, 'as', 'DIR');
  const out = required(p, 'out', 'DIR');
  const count = integer(p, 'count', 1, 1000000);
  const serials = str(p, 'serials');
  if ((count === undefined) === (serials === undefined)) usage('give either --count N or --serials FILE');
  if (serials !== undefined && str(p, 'prefix') !== undefined) usage('--prefix goes with --count');
  const defaults: Defaults = {
    kind: checkChoice(str(p, 'kind') ?? 'lock', KINDS, '--kind'),
    mode: checkChoice(str(p, 'mode') ?? 'disconnected', MODES, '--mode'),
    clock: tristate(p, 'clock'),
    curve: str(p, 'curve') ?? 'X25519',
  };
  if (CURVES[defaults.curve] === undefined) usage('--curve must be X25519 or P-256');
  const devices: PlannedDevice[] = count !== undefined
    ? countedDevices(count, str(p, 'prefix') ?? 'SN-', defaults)
    : fileDevices(serials!, readText(serials!, 'serials file'), defaults);
  const anchors = readAnchors(asDir, c.provider);
  const r = runBatch(devices, anchors, out, c.provider, c.io);
  c.io.out('batch: ' + devices.length + ' device(s) in ' + out + ' (' + r.made + ' provisioned now, ' + r.recovered + ' recovered, ' +
    r.already + ' done before) in ' + r.seconds.toFixed(1) + ' s; manifest ' + join(out, MANIFEST_FILE));
  return 0;
}

// ------------------------------------------------------------------ token

function token(argv: string[], c: Context): number {
  const p = parse('token', argv, {
    as: { type: 'string' }, record: { type: 'string' }, scope: { type: 'string' }, form: { type: 'string' },
    lifetime: { type: 'string' }, exi: { type: 'string' }, cnonce: { type: 'string' }, 'pop-key': { type: 'string' },
    'pop-kid': { type: 'string' }, to: { type: 'string' }, nested: { type: 'boolean' }, 'signing-key': { type: 'string' },
    out: { type: 'string' },
  }, 0, c.io);
  if (p === null) return 0;
  const asDir = required(p, 'as', 'DIR');
  let recordPath = required(p, 'record', 'FILE');
  if (exists(join(recordPath, RECORD_FILE))) recordPath = join(recordPath, RECORD_FILE);
  const scope = required(p, 'scope', '"SCOPE"');
  if (!/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(scope)) usage('--scope must be scope tokens separated by single spaces');
  const form = checkChoice(str(p, 'form') ?? 'signed', FORMS, '--form') as TokenOptions['form'];
  const lifetime = integer(p, 'lifetime', 1, 31536000);
  const exi = integer(p, 'exi', 1, 31536000);
  if (lifetime !== undefined && exi !== undefined) usage('give --lifetime or --exi, not both');
  const to = str(p, 'to');
  if (to !== undefined) checkChoice(to, ['device-key', 'shared-key'], '--to');
  const signingKid = str(p, 'signing-key');
  const outFile = str(p, 'out');
  if (outFile !== undefined) checkOverwrite(outFile, false);
  const o: TokenOptions = {
    form,
    scope,
    lifetime: exi ?? lifetime ?? DEFAULT_LIFETIME,
    exi: exi !== undefined,
    cnonce: hexBytes(p, 'cnonce', 1, 32) ?? null,
    popKey: hexBytes(p, 'pop-key', 16, 64) ?? null,
    popKid: hexBytes(p, 'pop-kid', 1, 7) ?? null,
    signingKid: signingKid === undefined ? null : utf8Encode(signingKid),
    to: (to as TokenOptions['to']) ?? null,
    nested: flag(p, 'nested'),
  };
  const record = openRecord(readBytes(recordPath, 'device record'), (d) => c.provider.sha256(d), recordPath);
  const report = withAsLock(asDir, () => {
    const as = readAs(asDir, c.provider);
    const minted = mintToken(as, record, o, c.provider, codec, c.io.now());
    writeAs(asDir, as, c.provider); // the cti counter moved on
    return tokenReport(record, o, minted) as { [k: string]: unknown };
  });
  if (outFile === undefined) {
    c.io.out(JSON.stringify(report, null, 2));
    return 0;
  }
  writeFileAtomic(resolve(outFile), new Uint8Array(Buffer.from(JSON.stringify(report, null, 2) + '\n', 'utf8')), SECRET_MODE);
  const shown = { ...report, client: 'in ' + outFile + ' (mode 0600)' };
  c.io.out(JSON.stringify(shown, null, 2));
  return 0;
}

// ------------------------------------------------------------------ inspect

function inspectCommand(argv: string[], c: Context): number {
  const p = parse('inspect', argv, { as: { type: 'string' }, keystore: { type: 'string' }, record: { type: 'string' }, reveal: { type: 'boolean' } }, 1, c.io);
  if (p === null) return 0;
  if (p.positionals.length !== 1) usage('give one FILE, DIR, HEX or BASE64 to inspect (see --help)');
  const keys = loadKeys(str(p, 'as'), str(p, 'keystore'), str(p, 'record'), c.provider);
  const inputs = resolveInputs(p.positionals[0]);
  const failures: string[] = [];
  inputs.forEach((input, i) => {
    if (inputs.length > 1) c.io.out((i > 0 ? '\n' : '') + '/ ==== ' + input.name + ' ==== /');
    const r = inspect(input, keys, flag(p, 'reveal'), c.provider, c.io.now());
    for (const line of r.lines) c.io.out(line);
    failures.push(...r.failures);
  });
  if (failures.length > 0) failure(failures.length + ' check(s) failed; first: ' + failures[0]);
  return 0;
}

// ------------------------------------------------------------------ rotate

function rotateCommand(argv: string[], c: Context): number {
  const p = parse('rotate', argv, {
    as: { type: 'string' }, alg: { type: 'string' }, 'not-before': { type: 'string' }, retire: { type: 'boolean' },
    replace: { type: 'boolean' }, out: { type: 'string' },
  }, 0, c.io);
  if (p === null) return 0;
  const asDir = required(p, 'as', 'DIR');
  const alg = str(p, 'alg') ?? null;
  if (alg !== null) algByName(alg);
  const notBefore = integer(p, 'not-before', 0, 31536000) ?? 0;
  if (flag(p, 'retire') && flag(p, 'replace')) usage('give --retire or --replace, not both');
  const mode: RotateMode = flag(p, 'retire') ? 'retire' : flag(p, 'replace') ? 'replace' : 'add';
  const outFile = str(p, 'out');
  if (outFile !== undefined) checkOverwrite(outFile, false);
  const r = withAsLock(asDir, () => {
    const as = readAs(asDir, c.provider);
    const rotation = rotate(as, mode, alg, notBefore, c.provider, codec, c.io.now());
    const file = join(asDir, updateFileName(rotation.seq));
    ensureDirectory(join(asDir, 'updates'));
    writeFileAtomic(file, rotation.update, PUBLIC_MODE);
    writeAs(asDir, as, c.provider);
    return { rotation, file };
  });
  if (outFile !== undefined) writeFileAtomic(resolve(outFile), r.rotation.update, PUBLIC_MODE);
  const rot = r.rotation;
  c.io.out(JSON.stringify({
    seq: rot.seq,
    signedBy: kidText(rot.signer.key.kid!),
    added: rot.added === null ? null : { kid: kidText(rot.added.key.kid!), alg: algName(rot.added.key.alg as number), notBefore: rot.added.nbf },
    retired: rot.retired.map((e) => kidText(e.key.kid!)),
    file: r.file,
    hex: Buffer.from(rot.update).toString('hex'),
    base64: Buffer.from(rot.update).toString('base64'),
    post: 'coap://DEVICE/anchors (POST, content format 18)',
  }, null, 2));
  return 0;
}

// ------------------------------------------------------------------ dispatch

function dispatch(argv: string[], c: Context): { command: string; run: () => number } {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    return { command: '', run: () => { c.io.out(USAGE); return first === undefined ? 2 : 0; } };
  }
  if (first === 'as') {
    const sub = argv[1];
    if (sub === 'init') return { command: 'as init', run: () => asInit(argv.slice(2), c) };
    if (sub === '--help' || sub === '-h') return { command: 'as', run: () => { c.io.out(HELP['as init']); return 0; } };
    return { command: 'as', run: () => usage('the only "as" command is "as init" (see --help)') };
  }
  const commands: { [name: string]: (a: string[], c: Context) => number } = {
    device, batch, token, inspect: inspectCommand, rotate: rotateCommand,
  };
  const fn = commands[first];
  if (fn === undefined) return { command: '', run: () => usage('unknown command ' + JSON.stringify(first) + ' (see --help)') };
  return { command: first, run: () => fn(argv.slice(1), c) };
}

/** Runs one command with `io`; resolves to the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const c: Context = { io, provider: nodeProvider() };
  const d = dispatch(argv, c);
  const prefix = 'ace-provision' + (d.command ? ' ' + d.command : '') + ': ';
  try {
    return d.run();
  } catch (e) {
    if (e instanceof CliError) {
      io.err(prefix + e.message);
      return e.exitCode;
    }
    if (isCoreError(e)) {
      io.err(prefix + e.message);
      return 1;
    }
    io.err(prefix + (e instanceof Error ? e.message : 'unexpected failure'));
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  return run(argv, processIo());
}

