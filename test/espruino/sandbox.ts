/**
 * Runs the Espruino bundle under Node in node:vm with what Espruino lacks removed (Map, Set,
 * Symbol, BigInt, TextEncoder/TextDecoder, Math.imul, Array.from, ...) and Espruino's modules
 * provided: "crypto" (the shim), "Storage" (in memory), "dgram" (over node:dgram, bound to
 * 127.0.0.1 on an ephemeral port whatever port the bundle asks for).
 */
import dgram from 'node:dgram';
import * as nc from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { espruinoCryptoShim } from './espruino-crypto-shim.ts';

export class MemoryFlash {
  readonly files: { [name: string]: string } = {};
  read(name: string): string | undefined {
    if (name.length > 28) throw new Error('Storage: name too long: ' + name);
    return this.files[name];
  }
  write(name: string, data: string): boolean {
    if (name.length > 28) throw new Error('Storage: name too long: ' + name);
    if (typeof data !== 'string' || data.length === 0) throw new Error('Storage: need a non-empty string');
    this.files[name] = data;
    return true;
  }
  erase(name: string): void {
    delete this.files[name];
  }
}

export interface Sandbox {
  flash: MemoryFlash;
  logs: string[];
  /** Resolves with the UDP port once the bundle's socket is bound. */
  port: Promise<number>;
  run(): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  global: any;
  /** Fires an `E.on` event the bundle registered ('init', 'kill'). */
  emit(event: string): void;
  close(): void;
}

const REMOVED = `
  delete globalThis.Map; delete globalThis.Set; delete globalThis.WeakMap; delete globalThis.Symbol;
  delete globalThis.BigInt; delete globalThis.TextEncoder; delete globalThis.TextDecoder;
  delete Math.imul; delete Array.from; delete Uint8Array.from; delete Number.isInteger;
  delete Object.freeze; delete ArrayBuffer.isView; delete globalThis.Proxy; delete globalThis.Reflect;
`;

export function makeSandbox(bundlePath: string, flash = new MemoryFlash()): Sandbox {
  const logs: string[] = [];
  const sockets: dgram.Socket[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  const handlers: { [event: string]: Array<() => void> } = {};
  let portResolve: (p: number) => void = () => {};
  const port = new Promise<number>((r) => { portResolve = r; });
  const dgramModule = {
    createSocket(type: string) {
      if (type !== 'udp4') throw new Error('sandbox dgram: udp4 only');
      const s = dgram.createSocket('udp4');
      sockets.push(s);
      return {
        on(event: string, f: (msg: unknown, rinfo: unknown) => void) {
          // Espruino hands messages over as strings
          s.on(event, (msg: Buffer, rinfo: dgram.RemoteInfo) => f(event === 'message' ? msg.toString('latin1') : msg, rinfo && { address: rinfo.address, port: rinfo.port }));
        },
        bind(_port: number) {
          s.bind(0, '127.0.0.1', () => portResolve(s.address().port));
        },
        send(buffer: string, offset: number, length: number, p: number, address: string) {
          s.send(Buffer.from(buffer.substring(offset, offset + length), 'latin1'), p, address);
        },
        close() { s.close(); },
      };
    },
  };
  const modules: { [name: string]: unknown } = { crypto: espruinoCryptoShim, Storage: flash, dgram: dgramModule };
  const context = vm.createContext({
    console: { log: (...a: unknown[]) => logs.push(a.join(' ')) },
    require: (name: string) => {
      if (!(name in modules)) throw new Error('Module ' + name + ' not found');
      return modules[name];
    },
    getTime: () => Date.now() / 1000,
    E: {
      hwRand: () => nc.randomBytes(4).readUInt32LE(0) | 0,
      on: (event: string, f: () => void) => { (handlers[event] = handlers[event] || []).push(f); },
    },
    setInterval: (f: () => void, ms: number) => { const t = setInterval(f, ms); timers.push(t); return t; },
    clearInterval: (t: ReturnType<typeof setInterval>) => clearInterval(t),
    setTimeout, clearTimeout,
  });
  vm.runInContext(REMOVED, context);
  const code = readFileSync(bundlePath, 'utf8');
  return {
    flash, logs, port, global: context,
    run() { vm.runInContext(code, context, { filename: bundlePath }); },
    emit(event: string) { for (const f of handlers[event] || []) f(); },
    close() {
      try { vm.runInContext('AceDevice.stop()', context); } catch { /* not started */ }
      for (const t of timers) clearInterval(t);
      for (const s of sockets) { try { s.close(); } catch { /* closed */ } }
    },
  };
}
