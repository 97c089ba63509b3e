/**
 * The phone's OSCORE client (Node only): a plain request in, a verified plain response out.
 *
 * The request is protected with the project's OSCORE code (device/oscore), sent as a
 * confirmable message through node-coap's Agent (which retransmits, ACKs separate responses
 * and keeps observations by token), and the answer is verified against the request. On top of
 * one exchange it adds what RFC 8613 and RFC 9175 ask of a client:
 * - a protected 4.01 with Echo (the server lost its replay window, Appendix B.1.2) is answered
 *   by one retry carrying the Echo value inside;
 * - an inner Block2 response (RFC 7959 under OSCORE, §4.1.3.4.1) is fetched block by block,
 *   each block its own OSCORE request, and reassembled;
 * - Observe: every notification is verified and must be newer than the last (§7.4.1).
 * Sequence numbers persist in the context's Storage (Appendix B.1.1), so pass a context built
 * on durable storage (FileStorage) for a phone that must survive restarts.
 *
 * node-coap note: `setOption('OSCORE', ...)` capitalises the name to one it does not know and
 * writes a broken packet; options are therefore set by their number as a string ('9').
 */
import { Agent } from 'coap';
import type { IncomingMessage, OutgoingMessage } from 'coap';
import { CoreError } from '../../device/errors.ts';
import type { ErrorKind } from '../../device/errors.ts';
import { Code } from '../../device/errors.ts';
import { randomBytes } from 'node:crypto';
import { concatBytes, utf8Decode, utf8Encode } from '../../device/codec/bytes.ts';
import type { CoapOption } from '../../device/coap/interfaces.ts';
import { addOption, encodeUint, getOption, removeOption, setUriPath } from '../../device/coap/message.ts';
import { Method, Option } from '../../device/coap/numbers.ts';
import { decodeBlock, encodeBlock } from '../../device/coap/block.ts';
import type { SecurityContext } from '../../device/oscore/context.ts';
import { protectRequest } from '../../device/oscore/protect.ts';
import type { MessageContent, RequestBinding } from '../../device/oscore/protect.ts';
import { unprotectResponse } from '../../device/oscore/unprotect.ts';

export type MethodName = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH' | 'PATCH' | 'iPATCH';

const METHODS: { [name: string]: number } = {
  GET: Method.GET, POST: Method.POST, PUT: Method.PUT, DELETE: Method.DELETE,
  FETCH: Method.FETCH, PATCH: Method.PATCH, iPATCH: Method.IPATCH,
};
const METHOD_NAMES: { [code: number]: MethodName } = { 2: 'POST', 5: 'FETCH' };

/** A request as the application sees it, before protection. */
export interface PlainRequest {
  method: MethodName | number;
  /** "/lock" or "/sensor/vitals"; empty or "/" for none. */
  path: string;
  query?: string[];
  /** Further options (Content-Format, Accept, ...); Class U ones (Uri-Host, Uri-Port) stay outside. */
  options?: CoapOption[];
  payload?: Uint8Array | string;
}

/** A verified response: inner Code, options and payload. */
export type PlainResponse = MessageContent;

export interface OscoreClientOptions {
  host: string;
  port: number;
  /** The client's context; its Storage keeps the sequence numbers across restarts. */
  context: SecurityContext;
  /** Send the context's ID Context as 'kid context' in requests (§5.1). Default false. */
  sendKidContext?: boolean;
  /** Give up on an exchange after this long, separate responses included. Default 30 s. */
  timeoutMs?: number;
  /** node-coap's retransmission count (RFC 7252 MAX_RETRANSMIT). Default node-coap's (4). */
  maxRetransmit?: number;
  /** Largest reassembled Block2 body. Default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * The node-coap Agent to send through (the simulator's, on a simulated socket). The caller
   * owns it: close() then leaves it open. Default: a new Agent on its own UDP socket.
   */
  agent?: Agent;
  /** Random bytes for Observe tokens (the simulator's seeded generator). Default node:crypto. */
  randomBytes?: (length: number) => Uint8Array;
}

/** A request already protected, not yet sent (tests reorder, delay or replay these). */
export interface PreparedRequest {
  readonly message: MessageContent;
  readonly binding: RequestBinding;
}

export interface Observation {
  /** The first (registration) response, verified. */
  readonly first: PlainResponse;
  /**
   * Stops listening and deregisters with a protected GET carrying Observe 1 and the
   * registration's token (RFC 7641 §3.6, RFC 8613 §4.1.3.5.1); resolves with its response.
   */
  cancel(): Promise<PlainResponse | null>;
  /** Resolves when the observation ends (final response, cancel, or an error). */
  readonly ended: Promise<void>;
}

function parseCode(code: string): number {
  const dot = code.indexOf('.');
  return (parseInt(code.slice(0, dot), 10) << 5) | parseInt(code.slice(dot + 1), 10);
}

/** What the server's unprotected error answer means (RFC 8613 §8.2, §7.4). */
function unprotectedError(code: number, payload: Uint8Array): CoreError {
  let diagnostic = '';
  try {
    diagnostic = utf8Decode(payload);
  } catch {
    diagnostic = '';
  }
  let kind: ErrorKind = 'unauthorized';
  if (code === Code.BadRequest) kind = 'oscore_decrypt_failed';
  else if (code === Code.BadOption) kind = 'bad_option';
  else if (code === Code.Unauthorized) kind = diagnostic === 'Replay detected' ? 'oscore_replay' : 'oscore_context_not_found';
  const codeText = (code >> 5) + '.' + String(code & 31).padStart(2, '0');
  return new CoreError(kind, 'server answered ' + codeText + ' unprotected' + (diagnostic ? ': ' + diagnostic : ''));
}

/** The outer message as the OSCORE layer reads it: its code, the OSCORE option, the payload. */
interface RawPacket {
  code: string;
  payload: Buffer;
  options?: Array<{ name: string | number; value: unknown }>;
}

function outerOf(packet: RawPacket): MessageContent {
  const options: CoapOption[] = [];
  for (const o of packet.options ?? []) {
    if ((o.name === 'OSCORE' || o.name === '9') && Buffer.isBuffer(o.value)) {
      options.push({ number: Option.Oscore, value: new Uint8Array(o.value) });
    }
  }
  return { code: parseCode(packet.code), options, payload: new Uint8Array(packet.payload ?? Buffer.alloc(0)) };
}

export class OscoreClient {
  private readonly agent: Agent;
  private readonly context: SecurityContext;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly ownsAgent: boolean;

  constructor(private readonly options: OscoreClientOptions) {
    this.context = options.context;
    this.timeoutMs = options.timeoutMs ?? 30000;
    this.maxBodyBytes = options.maxBodyBytes ?? 65536;
    this.ownsAgent = options.agent === undefined;
    this.agent = options.agent ?? new Agent({ type: 'udp4' });
  }

  /** Builds the original CoAP request of a PlainRequest. */
  static original(req: PlainRequest): MessageContent {
    const code = typeof req.method === 'number' ? req.method : METHODS[req.method];
    if (code === undefined) throw new CoreError('bad_request', 'unknown method ' + String(req.method));
    const options = (req.options ?? []).slice().sort((a, b) => a.number - b.number);
    setUriPath(options, req.path);
    for (const q of req.query ?? []) addOption(options, Option.UriQuery, utf8Encode(q));
    const payload = typeof req.payload === 'string' ? utf8Encode(req.payload) : req.payload ?? new Uint8Array(0);
    return { code, options, payload };
  }

  /** Protects a request (taking a sequence number) without sending it. */
  prepare(req: PlainRequest | MessageContent): PreparedRequest {
    const original = 'path' in req ? OscoreClient.original(req) : req;
    return protectRequest(this.context.sender, original, this.options.sendKidContext === true);
  }

  /** Sends a prepared request and verifies the one response (no Echo retry, no Block2). */
  send(prepared: PreparedRequest, token?: Buffer): Promise<PlainResponse> {
    return new Promise((resolve, reject) => {
      const req = this.transmit(prepared.message, token === undefined ? {} : { observe: 1, token });
      const timer = setTimeout(() => {
        this.agent.abort(req);
        reject(new CoreError('internal', 'no response within ' + this.timeoutMs + ' ms'));
      }, this.timeoutMs);
      const settle = (fn: () => void): void => {
        clearTimeout(timer);
        fn();
      };
      req.on('response', (res: IncomingMessage) => {
        settle(() => {
          try {
            resolve(this.verify(prepared.binding, outerOf(res as unknown as RawPacket)));
          } catch (e) {
            reject(e);
          }
        });
      });
      req.on('timeout', () => settle(() => reject(new CoreError('internal', 'request timed out (no ACK)'))));
      req.on('error', (e: Error) => settle(() => reject(new CoreError('internal', 'transport error: ' + e.message))));
    });
  }

  /** Protect, send, verify; answers an Echo challenge once and reassembles inner Block2. */
  async request(req: PlainRequest): Promise<PlainResponse> {
    const original = OscoreClient.original(req);
    let response = await this.exchangeWithEcho(original);
    const block = getOption(response.options, Option.Block2);
    if (block === null || response.code >> 5 !== 2) return response;
    // Inner Block2: ask for the following blocks, each as its own OSCORE request.
    const parts: Uint8Array[] = [response.payload];
    let total = response.payload.length;
    let value = decodeBlock(block);
    while (value.more) {
      if (total > this.maxBodyBytes) throw new CoreError('too_large', 'response body larger than ' + this.maxBodyBytes);
      const next = { code: original.code, options: original.options.slice(), payload: original.payload };
      const num = value.num + 1;
      removeOption(next.options, Option.Block2);
      addOption(next.options, Option.Block2, encodeBlock(num, false, value.szx));
      response = await this.exchangeWithEcho(next);
      const b = getOption(response.options, Option.Block2);
      if (response.code >> 5 !== 2 || b === null) return response;
      value = decodeBlock(b);
      if (value.num !== num) throw new CoreError('bad_request', 'server sent block ' + value.num + ', asked for ' + num);
      parts.push(response.payload);
      total += response.payload.length;
    }
    const options = response.options.slice();
    removeOption(options, Option.Block2);
    return { code: response.code, options, payload: concatBytes(parts) };
  }

  /**
   * Registers an observation (inner and outer Observe 0, outer FETCH). Each notification is
   * verified and handed to onNotification; stale or replayed ones are dropped (§7.4.1) and
   * reported to onError. An Echo challenge is answered once, as for request().
   */
  async observe(req: PlainRequest, onNotification: (r: PlainResponse) => void,
    onError?: (e: CoreError) => void): Promise<Observation> {
    const original = OscoreClient.original(req);
    removeOption(original.options, Option.Observe);
    addOption(original.options, Option.Observe, encodeUint(0));
    const observation = await this.observeOnce(original, onNotification, onError);
    const echo = getOption(observation.first.options, Option.Echo);
    if (observation.first.code !== Code.Unauthorized || echo === null) return observation;
    addOption(original.options, Option.Echo, echo);
    return this.observeOnce(original, onNotification, onError);
  }

  private observeOnce(original: MessageContent, onNotification: (r: PlainResponse) => void,
    onError?: (e: CoreError) => void): Promise<Observation> {
    const prepared = this.prepare(original);
    const token = this.options.randomBytes !== undefined ? Buffer.from(this.options.randomBytes(8)) : randomBytes(8);
    return new Promise((resolve, reject) => {
      const req = this.transmit(prepared.message, { observe: true, token });
      let endResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endResolve = r));
      const timer = setTimeout(() => {
        this.agent.abort(req);
        reject(new CoreError('internal', 'no response within ' + this.timeoutMs + ' ms'));
      }, this.timeoutMs);
      req.on('timeout', () => {
        clearTimeout(timer);
        reject(new CoreError('internal', 'request timed out (no ACK)'));
      });
      req.on('error', (e: Error) => {
        clearTimeout(timer);
        reject(new CoreError('internal', 'transport error: ' + e.message));
      });
      req.on('response', (res: IncomingMessage) => {
        clearTimeout(timer);
        const stream = res as unknown as { append?: (p: RawPacket) => void };
        let first: PlainResponse;
        try {
          first = this.verify(prepared.binding, outerOf(res as unknown as RawPacket));
        } catch (e) {
          reject(e);
          return;
        }
        let finished = false;
        const finish = (): void => {
          if (finished) return;
          finished = true;
          // Neutralised rather than closed: closing makes node-coap drop the token and, when
          // idle, its socket, which a deregistration with the same token still needs.
          stream.append = () => undefined;
          endResolve();
        };
        const cancel = async (): Promise<PlainResponse | null> => {
          const wasActive = !finished;
          finish();
          if (!wasActive) return null;
          const deregister = { code: original.code, options: original.options.slice(), payload: original.payload };
          removeOption(deregister.options, Option.Observe);
          removeOption(deregister.options, Option.Echo);
          addOption(deregister.options, Option.Observe, encodeUint(1));
          try {
            return await this.send(this.prepare(deregister), token);
          } catch {
            return null; // best effort: the server also ends it on the Reset of a later notification
          }
        };
        if (getOption(first.options, Option.Observe) === null || typeof stream.append !== 'function') {
          finish(); // not registered: an ordinary response
        } else {
          // Take every later notification's raw packet, bypassing node-coap's ordering by the
          // outer Observe value: OSCORE orders by Partial IV and ignores the outer value.
          stream.append = (packet: RawPacket) => {
            let r: PlainResponse;
            try {
              r = this.verify(prepared.binding, outerOf(packet));
            } catch (e) {
              onError?.(e as CoreError); // stale, replayed or forged: dropped (§8.4.2 B)
              return;
            }
            if (getOption(r.options, Option.Observe) === null) finish(); // the final response
            onNotification(r);
          };
        }
        resolve({ first, cancel, ended });
      });
    });
  }

  /** Closes the agent's socket (node-coap may already have closed it when idle: then it only emits 'close'). */
  close(): Promise<void> {
    if (!this.ownsAgent) return Promise.resolve(); // an injected agent is its owner's to close
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      this.agent.once('close', finish);
      this.agent.close(finish);
    });
  }

  private async exchangeWithEcho(original: MessageContent): Promise<PlainResponse> {
    const response = await this.send(this.prepare(original));
    const echo = getOption(response.options, Option.Echo);
    if (response.code !== Code.Unauthorized || echo === null) return response;
    // Appendix B.1.2 / RFC 9175 §2.4: repeat the request with the server's Echo value inside.
    const retry = { code: original.code, options: original.options.slice(), payload: original.payload };
    removeOption(retry.options, Option.Echo);
    addOption(retry.options, Option.Echo, echo);
    return this.send(this.prepare(retry));
  }

  /** Verifies an answer; unprotected answers are the server's OSCORE errors. */
  private verify(binding: RequestBinding, outer: MessageContent): PlainResponse {
    if (getOption(outer.options, Option.Oscore) === null) throw unprotectedError(outer.code, outer.payload);
    return unprotectResponse(this.context.recipient, binding, outer);
  }

  /** Hands the OSCORE message to node-coap as a confirmable request. */
  private transmit(message: MessageContent, o: { observe?: true | 1; token?: Buffer }): OutgoingMessage {
    const method = METHOD_NAMES[message.code];
    if (method === undefined) throw new CoreError('internal', 'OSCORE outer code must be POST or FETCH');
    const req = this.agent.request({
      hostname: this.options.host,
      port: this.options.port,
      method,
      confirmable: true,
      observe: o.observe,
      token: o.token,
      retrySend: this.options.maxRetransmit,
    });
    // Group repeated options; node-coap takes option numbers as strings. Observe is the agent's.
    const byNumber = new Map<number, Buffer[]>();
    for (const o of message.options) {
      if (o.number === Option.Observe) continue;
      const list = byNumber.get(o.number) ?? [];
      list.push(Buffer.from(o.value));
      byNumber.set(o.number, list);
    }
    for (const [number, values] of byNumber) req.setOption(String(number), values.length === 1 ? values[0] : values);
    if (message.payload.length > 0) req.write(Buffer.from(message.payload));
    req.end();
    return req;
  }
}
