/**
 * A phone in the simulation: the project's phone library (ace-client.ts, oscore-client.ts)
 * on node-coap, whose Agent runs on a simulated socket. It does what an app does:
 * - log the user in at the AS with the authorization code grant and PKCE S256 (it is a public
 *   client: no secret), and redeem the code for a token with a fresh PoP key;
 * - ask a device for its creation hints (the AS, the audience, a cnonce when it has no clock);
 * - post the token to /authz-info, derive the OSCORE context (RFC 9203 §4.3), and talk OSCORE;
 * - keep going through a lossy or broken radio: node-coap retransmits, and the app retries an
 *   exchange that timed out, re-posts its token when the device lost the context, and waits
 *   when the device says it gets too many token posts.
 */
import { Agent } from 'coap';
import { CborMap } from '../../device/codec/cbor.ts';
import { portableCbor } from '../../device/codec/cbor.ts';
import { CoreError } from '../../device/errors.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { MemoryStorage } from '../../device/storage.ts';
import { AceParam, CreationHint, GrantType } from '../../device/ace/numbers.ts';
import { ContentFormat } from '../../device/coap/numbers.ts';
import { CnfMethod } from '../../device/cwt/iana.ts';
import { parseOsc } from '../../device/cwt/cnf.ts';
import type { Prng } from '../core/prng.ts';
import type { Sim } from '../core/sim.ts';
import type { Addr } from '../links/network.ts';
import { SimSocket } from '../links/socket.ts';
import { challengeS256, newVerifier, S256 } from '../as/pkce.ts';
import { CODE_CHALLENGE, CODE_CHALLENGE_METHOD, CODE_VERIFIER } from '../as/token-endpoint.ts';
import type { ClientMaterial } from '../as/issuer.ts';
import { deriveClientContext, postAuthzInfo } from './ace-client.ts';
import type { Session } from './ace-client.ts';
import { OscoreClient } from './oscore-client.ts';
import type { Observation, PlainRequest, PlainResponse } from './oscore-client.ts';
import { plainRequest } from './coap-request.ts';
import type { PlainReply } from './coap-request.ts';

export interface PhoneOptions {
  name: string;
  address: string;
  /** The AS's address. */
  as: Addr;
  clientId: string;
  redirectUri: string;
  user: string;
  password: string;
  /** One exchange gives up after this long (RFC 7252 MAX_TRANSMIT_WAIT by default). */
  timeoutMs?: number;
  /** Times the app tries an exchange that timed out. Default 3. */
  attempts?: number;
}

export interface TokenGrant {
  audience: string;
  token: Uint8Array;
  material: ClientMaterial;
  expiresIn: number;
  scope: string;
}

export interface Hints {
  as: string;
  audience: string;
  cnonce: Uint8Array | null;
}

/** The AS or device said no: the answer's code and ACE error. */
export class Refused extends CoreError {
  constructor(readonly where: string, readonly answer: string, readonly error: unknown, description: string) {
    super('unauthorized', where + ' answered ' + answer + (description ? ': ' + description : ''));
  }
}

const PHONE_PORT = 40000;
const ACE_CBOR = ContentFormat.AceCbor;

function isTimeout(e: unknown): boolean {
  return e instanceof CoreError && e.kind === 'internal';
}

function mapOf(payload: Uint8Array): CborMap | null {
  try {
    const v = portableCbor.decode(payload);
    return v instanceof CborMap ? v : null;
  } catch {
    return null;
  }
}

function refusal(where: string, r: PlainReply): Refused {
  const m = mapOf(r.payload);
  const d = m?.get(AceParam.ErrorDescription);
  return new Refused(where, r.code, m?.get(AceParam.Error), typeof d === 'string' ? d : '');
}

export class Phone {
  readonly name: string;
  readonly addr: Addr;
  readonly socket: SimSocket;
  readonly agent: Agent;
  readonly provider: CryptoProvider;
  readonly storage = new MemoryStorage();
  /** Sees the authorization response's redirect: where a malicious app would steal the code. */
  onRedirect: ((code: string) => void) | null = null;
  private readonly prng: Prng;
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(readonly sim: Sim, readonly options: PhoneOptions) {
    this.name = options.name;
    this.addr = { address: options.address, port: PHONE_PORT };
    this.prng = sim.prng.fork('phone/' + options.name);
    this.provider = sim.provider('phone/' + options.name);
    this.timeoutMs = options.timeoutMs ?? 93000;
    this.attempts = options.attempts ?? 3;
    sim.network.name(options.address, options.name);
    this.socket = new SimSocket(sim.network, this.addr);
    this.agent = new Agent({ socket: this.socket as never });
    // node-coap seeds message IDs from Math.random and tokens from node:crypto: make both the phone's own stream
    const a = this.agent as unknown as { _lastMessageId: number; _nextToken: () => Buffer };
    a._lastMessageId = this.prng.int(65535);
    a._nextToken = () => Buffer.from(this.prng.bytes(8));
  }

  note(text: string): void {
    this.sim.trace.note(this.sim.now(), this.addr.address, text);
  }

  /** Tries `fn` again after a time-out (the radio was gone), up to `attempts` times. */
  async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!isTimeout(e) || attempt >= this.attempts) throw e;
        this.note(what + ' timed out, retrying (' + (attempt + 1) + '/' + this.attempts + ')');
        await this.sim.sleep(1000 * attempt);
      }
    }
  }

  private post(to: Addr, path: string, body: CborMap): Promise<PlainReply> {
    return plainRequest(this.agent, {
      host: to.address, port: to.port, method: 'POST', path, payload: portableCbor.encode(body), contentFormat: ACE_CBOR, timeoutMs: this.timeoutMs,
    });
  }

  // ---------------------------------------------------------------- the AS

  /** The authorization step: the user logs in, the app gets a code bound to its PKCE challenge. */
  async authorize(audience: string, scope: string): Promise<{ code: string; verifier: string }> {
    const verifier = newVerifier((n) => this.prng.bytes(n));
    const body = new CborMap()
      .set(AceParam.ResponseType, 'code').set(AceParam.ClientId, this.options.clientId)
      .set(AceParam.RedirectUri, this.options.redirectUri).set(AceParam.Audience, audience).set(AceParam.Scope, scope)
      .set(CODE_CHALLENGE, challengeS256(verifier, (d) => this.provider.sha256(d))).set(CODE_CHALLENGE_METHOD, S256)
      .set(AceParam.Username, this.options.user).set(AceParam.Password, this.options.password);
    const r = await this.retrying('authorize', () => this.post(this.options.as, '/authorize', body));
    const m = mapOf(r.payload);
    const code = m?.get(AceParam.Code);
    if (r.code !== '2.01' || typeof code !== 'string') throw refusal('/authorize', r);
    if (this.onRedirect !== null) this.onRedirect(code);
    return { code, verifier };
  }

  /** The token request of the code grant (RFC 9200 §5.8.1, RFC 7636 §4.5). */
  async redeem(audience: string, code: string, verifier: string | null, cnonce: Uint8Array | null): Promise<TokenGrant> {
    const body = new CborMap()
      .set(AceParam.GrantType, GrantType.AuthorizationCode).set(AceParam.Code, code)
      .set(AceParam.RedirectUri, this.options.redirectUri).set(AceParam.ClientId, this.options.clientId);
    if (verifier !== null) body.set(CODE_VERIFIER, verifier);
    if (cnonce !== null) body.set(AceParam.Cnonce, cnonce);
    // One exchange (node-coap retransmits inside it), never repeated: a code is single use, and
    // the AS may have spent it on a request whose answer was lost.
    const r = await this.post(this.options.as, '/token', body);
    return grantOf(audience, r);
  }

  /**
   * Log in, authorize, redeem: a token with a fresh PoP key. A token request that timed out
   * starts over with a new authorization, since its code may be spent.
   */
  async obtainToken(audience: string, scope: string, cnonce: Uint8Array | null = null): Promise<TokenGrant> {
    for (let attempt = 1; ; attempt++) {
      const a = await this.authorize(audience, scope);
      try {
        const grant = await this.redeem(audience, a.code, a.verifier, cnonce);
        this.note('token for ' + audience + ': ' + grant.scope);
        return grant;
      } catch (e) {
        if (!isTimeout(e) || attempt >= this.attempts) throw e;
        this.note('token request timed out: authorizing again');
      }
    }
  }

  /** Client credentials (RFC 6749 §4.4): a machine authenticates with its own secret. */
  async machineToken(audience: string, scope: string, secret: string, cnonce: Uint8Array | null = null): Promise<TokenGrant> {
    const body = new CborMap()
      .set(AceParam.GrantType, GrantType.ClientCredentials).set(AceParam.ClientId, this.options.clientId)
      .set(AceParam.ClientSecret, secret).set(AceParam.Audience, audience).set(AceParam.Scope, scope);
    if (cnonce !== null) body.set(AceParam.Cnonce, cnonce);
    const r = await this.retrying('token request', () => this.post(this.options.as, '/token', body));
    const grant = grantOf(audience, r);
    this.note('token for ' + audience + ': ' + grant.scope);
    return grant;
  }

  // ---------------------------------------------------------------- the device

  /** An unprotected request to a protected resource: 4.01 with the AS Request Creation Hints. */
  async hints(device: Addr, path: string): Promise<Hints> {
    const r = await this.retrying('hints', () => plainRequest(this.agent, {
      host: device.address, port: device.port, method: 'GET', path, timeoutMs: this.timeoutMs,
    }));
    const m = mapOf(r.payload);
    const as = m?.get(CreationHint.AS);
    const audience = m?.get(CreationHint.Audience);
    const cnonce = m?.get(CreationHint.Cnonce);
    if (r.code !== '4.01' || typeof as !== 'string' || typeof audience !== 'string') throw refusal(path, r);
    return { as, audience, cnonce: cnonce instanceof Uint8Array ? cnonce : null };
  }

  /** Posts the token (RFC 9203 §4.1) and derives the context; waits out a rate limit. */
  async establish(device: Addr, grant: TokenGrant): Promise<Session> {
    for (let wait = 2000, tries = 0; ; wait *= 2, tries++) {
      const nonce1 = this.prng.bytes(8);
      const id1 = this.prng.bytes(1);
      const reply = await this.retrying('token post', () => postAuthzInfo({
        host: device.address, port: device.port, token: grant.token, agent: this.agent, timeoutMs: this.timeoutMs,
      }, nonce1, id1));
      if (reply.code === '2.01' && reply.body !== null) {
        return deriveClientContext(grant.material, nonce1, reply.body, id1, this.provider, this.storage, portableCbor);
      }
      if (reply.code === '4.29' && tries < 5) {
        this.note('/authz-info busy (4.29), waiting ' + wait / 1000 + ' s');
        await this.sim.sleep(wait);
        continue;
      }
      const d = reply.body?.get(AceParam.ErrorDescription);
      throw new Refused('/authz-info', reply.code, reply.body?.get(AceParam.Error), typeof d === 'string' ? d : '');
    }
  }

  async connect(device: Addr, grant: TokenGrant): Promise<Connection> {
    const session = await this.establish(device, grant);
    return new Connection(this, device, grant, session);
  }

  clientFor(device: Addr, session: Session): OscoreClient {
    return new OscoreClient({
      host: device.address, port: device.port, context: session.context, agent: this.agent,
      randomBytes: (n) => this.prng.bytes(n), timeoutMs: this.timeoutMs,
    });
  }
}

/** The token response (RFC 9200 §5.8.2) into what the phone keeps. */
function grantOf(audience: string, r: PlainReply): TokenGrant {
  const m = mapOf(r.payload);
  const token = m?.get(AceParam.AccessToken);
  const cnf = m?.get(AceParam.Cnf);
  if (r.code !== '2.01' || !(token instanceof Uint8Array) || !(cnf instanceof CborMap)) throw refusal('/token', r);
  const osc = parseOsc(cnf.get(CnfMethod.Osc));
  const alg = typeof osc.alg === 'number' ? osc.alg : 10;
  const expiresIn = m?.get(AceParam.ExpiresIn);
  const scope = m?.get(AceParam.Scope);
  return {
    audience, token,
    material: { masterSecret: osc.ms, salt: osc.salt, idContext: osc.contextId, aeadAlg: alg, id: osc.id },
    expiresIn: typeof expiresIn === 'number' ? expiresIn : 0,
    scope: typeof scope === 'string' ? scope : '',
  };
}

/** An OSCORE session with one device, which the phone keeps alive. */
export class Connection {
  client: OscoreClient;

  constructor(readonly phone: Phone, readonly device: Addr, readonly grant: TokenGrant, public session: Session) {
    this.client = phone.clientFor(device, session);
  }

  /** The device lost the context (a re-post by someone else, a token replaced): post the token again. */
  async reestablish(): Promise<void> {
    this.phone.note('re-posting the token');
    this.session = await this.phone.establish(this.device, this.grant);
    this.client = this.phone.clientFor(this.device, this.session);
  }

  /** A protected request; retried after a time-out, and once after a lost context. */
  async request(req: PlainRequest): Promise<PlainResponse> {
    let reposted = false;
    for (;;) {
      try {
        return await this.phone.retrying(req.path, () => this.client.request(req));
      } catch (e) {
        if (!reposted && e instanceof CoreError && e.kind === 'oscore_context_not_found') {
          reposted = true;
          await this.reestablish();
          continue;
        }
        throw e;
      }
    }
  }

  observe(req: PlainRequest, onNotification: (r: PlainResponse) => void, onError?: (e: CoreError) => void): Promise<Observation> {
    return this.phone.retrying('observe ' + req.path, () => this.client.observe(req, onNotification, onError));
  }
}
