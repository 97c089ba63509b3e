/**
 * Command-line parsing on node:util parseArgs: strict (an unknown option is an error), every
 * command takes --help, and every failure is one line naming the command.
 */
import { parseArgs } from 'node:util';
import { usage } from './io.ts';

export interface OptionSpec {
  [name: string]: { type: 'string' | 'boolean'; short?: string };
}

export interface Parsed {
  values: { [name: string]: string | boolean | undefined };
  positionals: string[];
}

function errorCode(e: unknown): string {
  return typeof e === 'object' && e !== null ? String((e as { code?: string }).code) : '';
}

/** Parses `argv` for `command`; at most `maxPositionals` positionals. */
export function parseCommand(argv: string[], spec: OptionSpec, maxPositionals: number): Parsed {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, ...spec },
      strict: true,
      allowPositionals: maxPositionals > 0,
      allowNegative: true,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : 'bad arguments';
    if (errorCode(e) === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return usage('unexpected argument (see --help)');
    // parseArgs explains how to pass a positional that starts with '-'; the first sentence is the point
    return usage(message.split('. ')[0].replace(/\.$/, '') + ' (see --help)');
  }
  if (parsed.positionals.length > maxPositionals) usage('too many arguments (see --help)');
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function required(p: Parsed, name: string, what: string): string {
  const v = str(p, name);
  if (v === undefined || v.length === 0) return usage('--' + name + ' ' + what + ' is required (see --help)');
  return v;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A boolean that may be given as --X or --no-X; undefined when neither. */
export function tristate(p: Parsed, name: string): boolean | undefined {
  const v = p.values[name];
  return typeof v === 'boolean' ? v : undefined;
}

/** A whole number in [min, max]. */
export function integer(p: Parsed, name: string, min: number, max: number): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) usage('--' + name + ' must be a whole number from ' + min + ' to ' + max);
  return Number(v);
}

/** Hex bytes of a length in [min, max]. */
export function hexBytes(p: Parsed, name: string, min: number, max: number): Uint8Array | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^([0-9a-fA-F]{2})*$/.test(v)) usage('--' + name + ' must be hex');
  const n = v.length / 2;
  if (n < min || n > max) usage('--' + name + ' must be ' + (min === max ? min : min + ' to ' + max) + ' bytes');
  return new Uint8Array(Buffer.from(v, 'hex'));
}
