/**
 * One plain confirmable CoAP request through a node-coap Agent (retransmitted by node-coap),
 * answered once or timed out: the phone's exchanges with the AS and the device's public
 * resources. Node only.
 */
import type { Agent, IncomingMessage } from 'coap';
import { CoreError } from '../../device/errors.ts';

export interface PlainReply {
  /** "2.01", "4.01", ... */
  code: string;
  payload: Uint8Array;
  /** Options by number (node-coap names registered ones; this maps the few read here). */
  contentFormat: number | null;
  maxAge: number | null;
}

export interface PlainRequestOptions {
  host: string;
  port: number;
  method: 'GET' | 'POST';
  path: string;
  payload?: Uint8Array;
  /** Content-Format number (19 for application/ace+cbor). */
  contentFormat?: number;
  timeoutMs?: number;
}

const FORMAT_NUMBERS: { [name: string]: number } = { 'application/ace+cbor': 19, 'application/cbor': 60, 'application/link-format': 40 };

function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return FORMAT_NUMBERS[v] ?? null;
  if (Buffer.isBuffer(v)) return v.length === 0 ? 0 : v.readUIntBE(0, Math.min(v.length, 4));
  return null;
}

export function plainRequest(agent: Agent, o: PlainRequestOptions): Promise<PlainReply> {
  return new Promise((resolve, reject) => {
    const req = agent.request({ hostname: o.host, port: o.port, method: o.method, pathname: o.path, confirmable: true });
    if (o.contentFormat !== undefined) req.setOption('Content-Format', Buffer.from([o.contentFormat]));
    const timer = setTimeout(() => {
      agent.abort(req);
      reject(new CoreError('internal', 'no answer from ' + o.path + ' within ' + (o.timeoutMs ?? 93000) + ' ms'));
    }, o.timeoutMs ?? 93000);
    req.on('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      const h = res.headers as { [k: string]: unknown };
      resolve({
        code: res.code, payload: new Uint8Array(res.payload), contentFormat: numberOf(h['Content-Format']), maxAge: numberOf(h['Max-Age']),
      });
    });
    req.on('timeout', () => {
      clearTimeout(timer);
      reject(new CoreError('internal', 'no answer from ' + o.path + ' (retransmissions exhausted)'));
    });
    req.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(new CoreError('internal', 'transport error: ' + e.message));
    });
    req.end(o.payload === undefined ? undefined : Buffer.from(o.payload));
  });
}
