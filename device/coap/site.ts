/**
 * The Site: a RequestHandler that routes requests by Uri-Path to registered Resources
 * (after aiocoap's resource.Site), and adds what every resource shares:
 * - 4.04 for unknown paths; resources refuse a method with CoreError 'method_not_allowed' (4.05);
 * - 4.02 for a critical option it does not process (it sees the inner message under OSCORE);
 * - 4.06 when Accept names another content format than the representation's;
 * - /.well-known/core in link format (RFC 6690 §4) from the resources' linkAttributes;
 * - Block2 (RFC 7959) for GET representations larger than the block size;
 * - Observe (RFC 7641): GET with Observe 0 on an observable resource registers the
 *   exchange; `changed(path)` re-renders for each observer and notifies with increasing
 *   24-bit sequence numbers; a non-2.xx rendering is the final notification. Deregistration
 *   (Observe 1) and re-registration reuse the token, and the endpoint ends the old
 *   observation then, which removes it here through onCancel.
 * A CoreError thrown by a resource becomes its code with a CBOR diagnostic payload.
 *
 * A resource whose render returns null answers later through exchange.respond itself:
 * the Site's Block2 and Observe handling do not apply to that late answer.
 */
import { Code, asCoreError, fail } from '../errors.ts';
import { utf8Encode } from '../codec/bytes.ts';
import { requestedBlock2, sliceBlock2, szxOf } from './block.ts';
import type { BlockValue } from './block.ts';
import { errorResponse } from './diagnostic.ts';
import type { CoapOption, CoapResponse, Exchange, RequestHandler, Resource } from './interfaces.ts';
import { EMPTY_BYTES, addOption, encodeUint, findBadOption, getUintOption, isSuccess, normalizePath, uriPath } from './message.ts';
import { ContentFormat, Method, OBSERVE_MODULUS, OBSERVE_REGISTER, Option } from './numbers.ts';

export interface SiteOptions {
  /** Block2 size for large representations: 16, 32, ..., 1024. Default 512. */
  blockSize?: number;
  /** Observations kept at most; beyond it a registration is answered without Observe. Default 16. */
  maxObservers?: number;
}

/** Critical options the Site processes (Uri-Host and Uri-Port are accepted and ignored: one origin). */
const SITE_UNDERSTOOD: { [option: number]: boolean } = {};
SITE_UNDERSTOOD[Option.UriHost] = true;
SITE_UNDERSTOOD[Option.UriPort] = true;
SITE_UNDERSTOOD[Option.UriPath] = true;
SITE_UNDERSTOOD[Option.UriQuery] = true;
SITE_UNDERSTOOD[Option.Accept] = true;
SITE_UNDERSTOOD[Option.Block2] = true;

export const WELL_KNOWN_CORE = '/.well-known/core';
const LINK_FORMAT = encodeUint(ContentFormat.LinkFormat);

interface Observer {
  readonly exchange: Exchange;
  readonly path: string;
  /** The Block2 size of the registration: notifications carry its first block. */
  readonly block: BlockValue | null;
}

function withOption(r: CoapResponse, number: number, value: Uint8Array): CoapResponse {
  return { code: r.code, options: addOption(r.options.slice(), number, value), payload: r.payload };
}

export class Site implements RequestHandler {
  private readonly resources: { [path: string]: Resource | undefined } = {};
  /** Registration order, for /.well-known/core. */
  private readonly paths: string[] = [];
  private readonly observers: { [path: string]: Observer[] | undefined } = {};
  private observerCount = 0;
  private sequence = 0;
  private readonly szx: number;
  private readonly maxObservers: number;
  private linkFormat: Uint8Array | null = null;

  constructor(options?: SiteOptions) {
    const o = options || {};
    this.szx = szxOf(o.blockSize !== undefined ? o.blockSize : 512);
    this.maxObservers = o.maxObservers !== undefined ? o.maxObservers : 16;
    const site = this;
    this.resources[WELL_KNOWN_CORE] = {
      linkAttributes: '',
      observable: false,
      render: function (exchange: Exchange): CoapResponse {
        if (exchange.request.code !== Method.GET) fail('method_not_allowed', 'only GET');
        return { code: Code.Content, options: [{ number: Option.ContentFormat, value: LINK_FORMAT }], payload: site.links() };
      },
    };
  }

  /** Registers a resource at a path ("/lock" or "lock"). */
  add(path: string, resource: Resource): this {
    const key = normalizePath(path);
    if (key === WELL_KNOWN_CORE) fail('internal', '/.well-known/core is built in');
    if (this.resources[key] === undefined) this.paths.push(key);
    this.resources[key] = resource;
    this.linkFormat = null;
    return this;
  }

  /** How many observations a path has (all paths when none is given). */
  observerCountOf(path?: string): number {
    if (path === undefined) return this.observerCount;
    const list = this.observers[normalizePath(path)];
    return list === undefined ? 0 : list.length;
  }

  handle(exchange: Exchange): void {
    let response: CoapResponse | null;
    try {
      response = this.process(exchange);
    } catch (e) {
      response = errorResponse(asCoreError(e));
    }
    if (response !== null) exchange.respond(response);
  }

  /** The representation at `path` changed: notify each of its observers. */
  changed(path: string): void {
    const key = normalizePath(path);
    const list = this.observers[key];
    const resource = this.resources[key];
    if (list === undefined || resource === undefined) return;
    const snapshot = list.slice(); // notify may end observations, which edits the list
    for (let i = 0; i < snapshot.length; i++) this.notifyOne(snapshot[i], resource);
  }

  // ---------------------------------------------------------------- requests

  private process(exchange: Exchange): CoapResponse | null {
    const req = exchange.request;
    const bad = findBadOption(req.options, SITE_UNDERSTOOD);
    if (bad >= 0) fail('bad_option', 'unrecognized critical option ' + bad);
    const path = uriPath(req.options);
    const resource = this.resources[path];
    if (resource === undefined) return fail('not_found', 'no resource at this path');
    const isGet = req.code === Method.GET;
    const block = isGet ? requestedBlock2(req.options) : null;
    // later blocks of a representation do not register again (RFC 7959 §3.4)
    const registers =
      isGet && (block === null || block.num === 0) && resource.observable && getUintOption(req.options, Option.Observe) === OBSERVE_REGISTER;
    const rendered = resource.render(exchange);
    if (rendered === null) return null;
    let r = this.acceptable(req.options, rendered);
    if (isGet && isSuccess(r.code)) r = sliceBlock2(r, block, this.szx);
    if (registers && isSuccess(r.code) && this.observerCount < this.maxObservers) {
      r = withOption(r, Option.Observe, this.nextSequence());
      this.register({ exchange: exchange, path: path, block: block });
    }
    return r;
  }

  /** 4.06 when the request's Accept differs from the representation's Content-Format (RFC 7252 §5.10.4). */
  private acceptable(options: CoapOption[], r: CoapResponse): CoapResponse {
    if (!isSuccess(r.code)) return r;
    const accept = getUintOption(options, Option.Accept);
    if (accept === null) return r;
    const format = getUintOption(r.options, Option.ContentFormat);
    if (format === null || format === accept) return r;
    return { code: Code.NotAcceptable, options: [], payload: EMPTY_BYTES };
  }

  // ---------------------------------------------------------------- Observe

  private nextSequence(): Uint8Array {
    this.sequence = (this.sequence + 1) % OBSERVE_MODULUS;
    return encodeUint(this.sequence);
  }

  private register(o: Observer): void {
    const list = this.observers[o.path];
    if (list === undefined) this.observers[o.path] = [o];
    else list.push(o);
    this.observerCount++;
    const site = this;
    o.exchange.onCancel(function () {
      site.unregister(o);
    });
  }

  private unregister(o: Observer): void {
    const list = this.observers[o.path];
    if (list === undefined) return;
    const i = list.indexOf(o);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) delete this.observers[o.path];
    this.observerCount--;
  }

  private notifyOne(o: Observer, resource: Resource): void {
    if (!o.exchange.active) {
      this.unregister(o);
      return;
    }
    let r: CoapResponse | null;
    try {
      r = resource.render(o.exchange);
      if (r === null) return; // nothing to say this time
      r = this.acceptable(o.exchange.request.options, r);
      if (isSuccess(r.code)) {
        const first = o.block === null ? null : { num: 0, more: false, szx: o.block.szx };
        r = withOption(sliceBlock2(r, first, this.szx), Option.Observe, this.nextSequence());
      }
    } catch (e) {
      r = errorResponse(asCoreError(e));
    }
    if (!isSuccess(r.code)) this.unregister(o); // the final notification (RFC 7641 §3.2)
    o.exchange.notify(r);
  }

  // ---------------------------------------------------------------- /.well-known/core

  /** The link-format document (RFC 6690 §5): one link per resource, with its attributes. */
  private links(): Uint8Array {
    if (this.linkFormat === null) {
      let doc = '';
      for (let i = 0; i < this.paths.length; i++) {
        const attrs = this.resources[this.paths[i]] as Resource;
        const a = attrs.linkAttributes;
        doc += (i > 0 ? ',' : '') + '<' + this.paths[i] + '>' + (a === '' || a.charAt(0) === ';' ? a : ';' + a);
      }
      this.linkFormat = utf8Encode(doc);
    }
    return this.linkFormat;
  }
}

export interface SimpleResourceSpec {
  linkAttributes?: string;
  observable?: boolean;
  get?: (exchange: Exchange) => CoapResponse | null;
  post?: (exchange: Exchange) => CoapResponse | null;
  put?: (exchange: Exchange) => CoapResponse | null;
  delete?: (exchange: Exchange) => CoapResponse | null;
}

/** A Resource from one function per method; other methods get 4.05. */
export function simpleResource(spec: SimpleResourceSpec): Resource {
  return {
    linkAttributes: spec.linkAttributes !== undefined ? spec.linkAttributes : '',
    observable: spec.observable === true,
    render: function (exchange: Exchange): CoapResponse | null {
      const code = exchange.request.code;
      const fn =
        code === Method.GET ? spec.get : code === Method.POST ? spec.post : code === Method.PUT ? spec.put : code === Method.DELETE ? spec.delete : undefined;
      if (fn === undefined) return fail('method_not_allowed', 'method not allowed on this resource');
      return fn(exchange);
    },
  };
}

/** A response with a payload (a string is sent as UTF-8) and, when given, its Content-Format. */
export function makeResponse(code: number, payload: Uint8Array | string, contentFormat?: number): CoapResponse {
  const body = typeof payload === 'string' ? utf8Encode(payload) : payload;
  const options = contentFormat === undefined ? [] : [{ number: Option.ContentFormat, value: encodeUint(contentFormat) }];
  return { code: code, options: options, payload: body };
}
