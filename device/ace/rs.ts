/**
 * The ACE resource server (RFC 9200) with the OSCORE profile (RFC 9203): accepts tokens at
 * /authz-info, binds each to an OSCORE security context, and decides every request against
 * the scope of the token bound to the context it arrived under.
 *
 *   Endpoint -> OscoreServer(lookup = this) -> protected: AccessGuard -> Site
 *                                           -> plain:     PublicGate  -> Site (/authz-info,
 *                                                                         /.well-known/core)
 *
 * Token acceptance (RFC 9203 §4.1-4.3): verify the token offline (device/cwt), turn its cnf
 * into OSCORE input material (`osc`, or a symmetric COSE_Key used as Master Secret), check
 * the scope against the device's resources, pick ID2 and N2, derive the context with
 * Master Salt = bstr(salt) | bstr(N1) | bstr(N2), store token and context atomically.
 */
import { CborCodec, CborMap, CborTag, CborValue } from '../codec/cbor.ts';
import { concatBytes, toHex } from '../codec/bytes.ts';
import { Code, CoreError, asCoreError, fail } from '../errors.ts';
import type { Clock, Storage } from '../storage.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { aeadParams } from '../crypto/provider.ts';
import type { CoseKey } from '../cose/key.ts';
import { checkClaims, verifyCwt } from '../cwt/verify.ts';
import type { CwtPolicy, VerifiedCwt } from '../cwt/verify.ts';
import type { CwtClaims } from '../cwt/claims.ts';
import { readConfirmation } from '../cwt/cnf.ts';
import type { Introspector } from './introspection.ts';
import type { Confirmation } from '../cwt/cnf.ts';
import { SecurityContext } from '../oscore/context.ts';
import { ContextTable } from '../oscore/table.ts';
import { forgetSequence } from '../oscore/sequence.ts';
import type { CoapOption, CoapResponse, Exchange } from '../coap/interfaces.ts';
import { EMPTY_BYTES, encodeUint } from '../coap/message.ts';
import { ContentFormat, Option } from '../coap/numbers.ts';
import { AceParam, CreationHint } from './numbers.ts';
import { NonceList } from './nonces.ts';
import { PostLimiter } from './limiter.ts';
import type { LimiterOptions } from './limiter.ts';
import { TokenStore, tokenIdFor } from './token-store.ts';
import type { OscoreMaterial, TokenInput, TokenRecord } from './token-store.ts';
import { TextScopeTable, parseScope, restrictTo } from './scope.ts';
import type { Grant, PermissionSet, TextScopeDefinition } from './scope.ts';
import { AuditLog } from './audit.ts';

/** Defaults of RFC 8613 §3.2 and RFC 9203 §3.2.1 for absent OSCORE input parameters. */
const DEFAULT_AEAD = 10; // AES-CCM-16-64-128
const HKDF_SHA_256 = -10;
const OSCORE_VERSION = 1;
/** N2 length: RFC 9203 §4.2 recommends 64 bits. */
const NONCE2_LENGTH = 8;
/** Longest N1 and ID1 accepted: bounds what a stranger can make the device store. */
const MAX_NONCE1 = 32;
const MAX_TOKEN = 1024;

export interface AceConfig {
  /** The audience this device identifies with (the token's aud must contain it). */
  audience: string;
  /** The AS's URI, for the creation hints (RFC 9200 §5.3). */
  asUri: string;
  /** AS public keys (Sign1) and AS–device symmetric keys (Mac0/Encrypt0), with kids. */
  tokenKeys: CoseKey[];
  /** Keys that open an Encrypted_COSE_Key in cnf: AS–device keys and the device's own key pair. */
  cnfKeys: CoseKey[];
  /** The device's resources and the methods each takes (a scope covering none is refused). */
  resources: Grant[];
  /** Meaning of text scope tokens. */
  textScopes: TextScopeDefinition;
  /** Text scope tokens whose tokens are single-use: discarded after the first granted POST. */
  singleUseScopes: string[];
  /** Whether the device has a real-time clock; without one it needs exi and cnonce (RFC 9200 §5.10.3-4). */
  hasClock: boolean;
  /** Issuer to insist on, when the deployment names one. */
  issuer?: string;
  /** Tokens stored at most. Default 8. */
  maxTokens?: number;
  /** Audit events kept. Default 64. */
  auditCapacity?: number;
  /** Audit events between writes. Default 64. */
  auditFlushEvery?: number;
  /** Longest an audit event waits to be written (ms, from the device's tick). Default 10 s. */
  auditFlushMs?: number;
  /** Allowed skew for exp/nbf in seconds. Default 0 (60 with a clock is typical). */
  leewaySeconds?: number;
  /** OSCORE sender sequence numbers reserved per storage write (RFC 8613 B.1.1). Default 64. */
  sequenceStep?: number;
  limiter?: LimiterOptions;
}

export interface AceDeps {
  provider: CryptoProvider;
  codec: CborCodec;
  storage: Storage;
  clock: Clock;
}

/** The public surface the guard and the /authz-info resource need from a token's record. */
export interface Bound {
  record: TokenRecord;
  context: SecurityContext;
}

function bytesParam(m: CborMap, key: number, name: string, max: number): Uint8Array {
  const v = m.get(key);
  if (!(v instanceof Uint8Array)) return fail('bad_request', name + ' missing or not a byte string');
  if (v.length === 0 || v.length > max) fail('bad_request', name + ' has a bad length');
  return v;
}

function sequenceKey(recipientId: Uint8Array, idContext: Uint8Array | null): string {
  return 'oscore-seq-' + toHex(recipientId) + '-' + (idContext === null ? '' : toHex(idContext));
}

function contextName(recipientId: Uint8Array, idContext: Uint8Array | null): string {
  return 'ace:' + toHex(recipientId) + ':' + (idContext === null ? '' : toHex(idContext));
}

/** Reads the exi sequence number out of a cti (RFC 9200 §5.10.3: an unsigned counter). */
function exiSequence(cti: Uint8Array | null): number | null {
  if (cti === null || cti.length === 0 || cti.length > 6) return null;
  let n = 0;
  for (let i = 0; i < cti.length; i++) n = n * 256 + cti[i];
  return n;
}

function requirePresence(): boolean {
  return true;
}

interface AuthzInfoPost {
  token: Uint8Array;
  nonce1: Uint8Array;
  id1: Uint8Array;
}

/** A reference token is opaque bytes; a CWT is a COSE array or a tagged one (RFC 8392 §6). */
function isReference(token: Uint8Array, codec: CborCodec): boolean {
  try {
    const v = codec.decode(token);
    return !(Array.isArray(v) || v instanceof CborTag);
  } catch (e) {
    return true;
  }
}

export class AceResourceServer {
  readonly contexts = new ContextTable();
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  readonly nonces: NonceList;
  private readonly limiter: PostLimiter;
  private readonly scopes: TextScopeTable;
  private readonly idLength: number;
  private readonly hash: (data: Uint8Array) => Uint8Array;

  constructor(readonly config: AceConfig, readonly deps: AceDeps) {
    const hash = (data: Uint8Array): Uint8Array => deps.provider.sha256(data);
    this.hash = hash;
    this.tokens = new TokenStore({
      storage: deps.storage, clock: deps.clock, hash: hash, maxEntries: config.maxTokens || 8,
    });
    this.audit = new AuditLog({
      storage: deps.storage, clock: deps.clock, hash: hash,
      capacity: config.auditCapacity || 64, flushEvery: config.auditFlushEvery || 64,
    });
    const monotonic = (): number => deps.clock.monotonicMs();
    this.nonces = new NonceList({ randomBytes: (n: number) => deps.provider.randomBytes(n), now: monotonic });
    this.limiter = new PostLimiter(config.limiter || { now: monotonic });
    this.scopes = new TextScopeTable(config.textScopes);
    this.idLength = 2;
  }

  /** Boot: reload tokens and audit log, rebuild the contexts of stored tokens. */
  load(): string[] {
    const notes: string[] = [];
    const t = this.tokens.load();
    if (t.status === 'discarded') notes.push('token store discarded: ' + t.reason);
    const a = this.audit.load();
    if (a.status === 'discarded') notes.push('audit log discarded: ' + a.reason);
    const records = this.tokens.list();
    for (let i = 0; i < records.length; i++) {
      const material = this.tokens.materialOf(records[i]);
      if (material !== null) this.contexts.add(this.makeContext(records[i], material, false));
    }
    return notes;
  }

  /** Shutdown or periodic: persist what is batched. */
  flush(): void {
    this.audit.flush();
    this.lastFlushMs = this.deps.clock.monotonicMs();
  }

  /**
   * From the device's tick: writes audit events that waited longer than auditFlushMs. Writing
   * the log per batch of requests cost a whole re-seal each time (flash wear on a board, and
   * half the request time on Node); a bound in time keeps what a power cut can lose small.
   */
  flushIfDue(): void {
    if (this.audit.pending === 0) return;
    if (this.deps.clock.monotonicMs() - this.lastFlushMs < (this.config.auditFlushMs || 10000)) return;
    try {
      this.flush();
    } catch (e) {
      // kept pending; the next tick tries again (an audit failure never changes an answer)
    }
  }

  private lastFlushMs = 0;

  // ------------------------------------------------------------ lookups

  /** ContextLookup for the OscoreServer: contexts whose token expired are retired first (RFC 9203 §4.3). */
  find(kid: Uint8Array, kidContext: Uint8Array | null): SecurityContext | null {
    const context = this.contexts.find(kid, kidContext);
    if (context === null) return null;
    if (this.tokens.findByContext(context.recipient.id, context.idContext) === null) {
      this.retire(context);
      return null;
    }
    return context;
  }

  /** The live token and context behind a protected exchange, or null. */
  bound(exchange: Exchange): Bound | null {
    if (exchange.security === null) return null;
    const context = this.contexts.byName(exchange.security.contextId);
    if (context === null) return null;
    const record = this.tokens.findByContext(context.recipient.id, context.idContext);
    if (record === null || record.spent) return null;
    return { record: record, context: context };
  }

  /** Drops expired tokens and their contexts; returns how many went. */
  purge(): number {
    const n = this.tokens.purgeExpired();
    if (n > 0) this.retireOrphans();
    return n;
  }

  // ------------------------------------------------------------ /authz-info

  /** Rate limit for /authz-info posts; returns the Max-Age to answer with, or 0 to go ahead. */
  admit(peer: string): number {
    return this.limiter.admit(peer);
  }

  /** An unprotected POST: verify, derive, store; the 2.01 payload {nonce2, ace_server_recipientid}. */
  postToken(payload: Uint8Array, peer: string): Uint8Array {
    const post = this.parsePost(payload);
    return this.accept(post, this.verify(post.token), peer);
  }

  /** Whether a posted payload carries a reference token this (connected) device must introspect. */
  needsIntrospection(payload: Uint8Array): boolean {
    if (this.introspector === null) return false;
    try {
      return isReference(this.parsePost(payload).token, this.deps.codec);
    } catch (e) {
      return false;
    }
  }

  /** postToken for a reference token: the AS's introspection answer stands in for the local check. */
  postReference(payload: Uint8Array, peer: string, done: (reply: Uint8Array | null, error: CoreError | null) => void): void {
    const self = this;
    let post: AuthzInfoPost;
    try {
      post = this.parsePost(payload);
    } catch (e) {
      done(null, asCoreError(e));
      return;
    }
    const receivedAtMs = this.deps.clock.monotonicMs();
    (this.introspector as Introspector).introspect(post.token, function (claims: CwtClaims | null, error: CoreError | null): void {
      if (claims === null) {
        done(null, error);
        return;
      }
      try {
        checkClaims(claims, self.policy());
        const confirmation = claims.cnf === null ? null : readConfirmation(claims.cnf, self.config.cnfKeys, self.deps.provider, self.deps.codec);
        const verified: VerifiedCwt = {
          claims: claims, confirmation: confirmation, layers: ['introspection'], encrypted: true,
          receivedAtMs: receivedAtMs, exiDeadlineMs: claims.exi === null ? null : receivedAtMs + claims.exi * 1000,
        };
        done(self.accept(post, verified, peer), null);
      } catch (e) {
        done(null, asCoreError(e));
      }
    });
  }

  /** Connected mode: where reference tokens are checked. */
  introspector: Introspector | null = null;

  private parsePost(payload: Uint8Array): AuthzInfoPost {
    const body = this.decodeParams(payload);
    return {
      token: bytesParam(body, AceParam.AccessToken, 'access_token', MAX_TOKEN),
      nonce1: bytesParam(body, AceParam.Nonce1, 'nonce1', MAX_NONCE1),
      id1: bytesParam(body, AceParam.AceClientRecipientId, 'ace_client_recipientid', this.maxIdLength()),
    };
  }

  private accept(post: AuthzInfoPost, verified: VerifiedCwt, peer: string): Uint8Array {
    const token = post.token;
    const nonce1 = post.nonce1;
    const id1 = post.id1;
    const material = this.materialOf(verified.confirmation);
    const permissions = this.permissionsOf(verified);
    const tokenId = tokenIdFor(verified.claims.cti, token, this.hash);
    const previous = this.tokens.findByTokenId(tokenId);
    if (previous !== null && previous.spent) fail('unauthorized', 'single-use token already used');
    this.checkFreshness(verified, previous);

    const id2 = this.pickRecipientId(id1, material.idContext);
    const nonce2 = this.deps.provider.randomBytes(NONCE2_LENGTH);
    const codec = this.deps.codec;
    const salt = material.salt === null ? EMPTY_BYTES : material.salt;
    const stored: OscoreMaterial = {
      masterSecret: material.ms,
      masterSalt: concatBytes([codec.encode(salt), codec.encode(nonce1), codec.encode(nonce2)]),
      aeadAlg: material.alg,
      hkdfAlg: HKDF_SHA_256,
    };
    const input: TokenInput = {
      tokenId: tokenId,
      recipientId: id2,
      idContext: material.idContext,
      senderId: id1,
      permissions: permissions,
      exp: verified.claims.exp,
      exi: this.remainingExi(verified, previous),
      exiSeq: verified.claims.exi === null ? null : exiSequence(verified.claims.cti),
      singleUse: this.isSingleUse(verified),
      audience: this.config.audience,
      subject: verified.claims.sub,
    };
    // A re-posted token replaces its old context (RFC 9203 §4.1, §6): new nonces, new keys.
    const record = previous === null ? this.tokens.add(input, stored) : this.tokens.replace(previous, input, stored);
    this.retireOrphans();
    this.contexts.add(this.makeContext(record, stored, true));
    // remembered for updates of access rights, which must name the same input material (RFC 9203 §4.2)
    if (material.id !== null) this.inputIds['r' + toHex(id2)] = material.id;
    this.audit.record({ peer: peer, tokenId: tokenId, path: '/authz-info', method: 2, granted: true, reason: previous === null ? 'token accepted' : 'token re-posted' });

    const reply = new CborMap();
    reply.set(AceParam.Nonce2, nonce2);
    reply.set(AceParam.AceServerRecipientId, id2);
    return codec.encode(reply);
  }

  /**
   * A POST protected with an existing context: an update of access rights (RFC 9203 §4.1/§4.2).
   * The new token's cnf must name the same OSCORE input material; the context stays.
   */
  updateToken(payload: Uint8Array, bound: Bound, peer: string): void {
    const body = this.decodeParams(payload);
    const token = bytesParam(body, AceParam.AccessToken, 'access_token', MAX_TOKEN);
    let verified: VerifiedCwt;
    try {
      verified = this.verify(token);
    } catch (e) {
      // §4.2: "If any verification fails, the RS MUST respond with a 4.01 (Unauthorized)".
      throw new CoreError('unauthorized', 'updated token rejected: ' + asCoreError(e).message);
    }
    const c = verified.confirmation;
    const kid = c === null ? null : c.kind === 'osc' ? c.osc.id : c.kind === 'kid' ? c.kid : c.key.kid;
    if (kid === null || !this.sameInputMaterial(bound.record, kid)) {
      fail('unauthorized', 'updated token does not name this security context');
    }
    const tokenId = tokenIdFor(verified.claims.cti, token, this.hash);
    const input: TokenInput = {
      tokenId: tokenId,
      recipientId: bound.record.recipientId,
      idContext: bound.record.idContext,
      senderId: bound.record.senderId,
      permissions: this.permissionsOf(verified),
      exp: verified.claims.exp,
      exi: verified.claims.exi,
      exiSeq: verified.claims.exi === null ? null : exiSequence(verified.claims.cti),
      singleUse: this.isSingleUse(verified),
      audience: this.config.audience,
      subject: verified.claims.sub,
    };
    this.tokens.replace(bound.record, input, null);
    this.inputIds['r' + toHex(bound.record.recipientId)] = kid as Uint8Array;
    this.audit.record({ peer: peer, tokenId: tokenId, path: '/authz-info', method: 2, granted: true, reason: 'access rights updated' });
  }

  /** The osc id / kid each context was made from, for updates of access rights (memory only). */
  private readonly inputIds: { [rid: string]: Uint8Array } = {};

  private sameInputMaterial(record: TokenRecord, kid: Uint8Array): boolean {
    const known = this.inputIds['r' + toHex(record.recipientId)];
    return known !== undefined && toHex(known) === toHex(kid);
  }

  // ------------------------------------------------------------ creation hints

  /** RFC 9200 §5.3: where to get a token, for whom, and (without a clock) a fresh cnonce. */
  creationHints(): Uint8Array {
    const hints = new CborMap();
    hints.set(CreationHint.AS, this.config.asUri);
    hints.set(CreationHint.Audience, this.config.audience);
    if (!this.config.hasClock) hints.set(CreationHint.Cnonce, this.nonces.issue());
    return this.deps.codec.encode(hints);
  }

  hintsResponse(): CoapResponse {
    return {
      code: Code.Unauthorized,
      options: [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.AceCbor) }],
      payload: this.creationHints(),
    };
  }

  // ------------------------------------------------------------ single use

  /** After a granted request on a single-use token: spend it and drop its context. */
  spend(bound: Bound): void {
    this.tokens.consume(bound.record);
    this.retire(bound.context);
  }

  // ------------------------------------------------------------ internals

  private decodeParams(payload: Uint8Array): CborMap {
    let body: CborValue;
    try {
      body = this.deps.codec.decode(payload);
    } catch (e) {
      return fail('bad_request', 'payload is not CBOR');
    }
    if (!(body instanceof CborMap)) return fail('bad_request', 'payload is not a CBOR map');
    return body;
  }

  private verify(token: Uint8Array): VerifiedCwt {
    return verifyCwt(token, this.policy(), this.deps.provider, this.deps.codec);
  }

  private policy(): CwtPolicy {
    return {
      keys: this.config.tokenKeys,
      cnfKeys: this.config.cnfKeys,
      audience: this.config.audience,
      issuer: this.config.issuer,
      clock: this.deps.clock,
      leewaySeconds: this.config.leewaySeconds || 0,
      // Without a clock every token must carry a cnonce; whether it is one this device issued
      // is judged by checkFreshness, which knows re-posts of tokens already accepted.
      nonceChecker: this.config.hasClock ? undefined : requirePresence,
    };
  }

  private checkFreshness(verified: VerifiedCwt, previous: TokenRecord | null): void {
    const claims = verified.claims;
    if (claims.exi !== null) {
      const seq = exiSequence(claims.cti);
      if (seq === null) fail('malformed_claims', 'exi token without a sequence number in cti');
      if (previous === null && this.tokens.exiSeqExpired(seq as number)) fail('expired', 'exi token already expired');
    }
    // With a clock, exp speaks; a re-post was judged fresh before; an active introspection is the AS's word now.
    if (this.config.hasClock || previous !== null || verified.layers[0] === 'introspection') return;
    if (!this.nonces.isFresh(claims.cnonce as Uint8Array)) fail('stale', 'cnonce is not one this device issued recently');
  }

  /** exi counts from the first reception (RFC 9200 §5.10.3): a re-post keeps the old deadline. */
  private remainingExi(verified: VerifiedCwt, previous: TokenRecord | null): number | null {
    if (verified.claims.exi === null) return null;
    if (previous === null || previous.exiDeadline === null) return verified.claims.exi;
    return Math.max(0, (previous.exiDeadline - this.deps.clock.monotonicMs()) / 1000);
  }

  private permissionsOf(verified: VerifiedCwt): PermissionSet {
    if (verified.claims.scope === null) fail('invalid_scope', 'token has no scope');
    const set = restrictTo(parseScope(verified.claims.scope, { table: this.scopes, codec: this.deps.codec }), this.config.resources);
    if (set.grants.length === 0) fail('invalid_scope', 'scope covers nothing on this device');
    return set;
  }

  private isSingleUse(verified: VerifiedCwt): boolean {
    const scope = verified.claims.scope;
    if (typeof scope !== 'string') return false;
    const words = scope.split(' ');
    for (let i = 0; i < words.length; i++) if (this.config.singleUseScopes.indexOf(words[i]) >= 0) return true;
    return false;
  }

  private materialOf(c: Confirmation | null): { ms: Uint8Array; salt: Uint8Array | null; alg: number; idContext: Uint8Array | null; id: Uint8Array | null } {
    if (c === null) return fail('bad_cnf', 'token has no cnf');
    if (c.kind === 'osc') {
      const osc = c.osc;
      if (osc.version !== null && osc.version !== OSCORE_VERSION) fail('bad_cnf', 'osc version not supported');
      if (osc.hkdf !== null && osc.hkdf !== HKDF_SHA_256) fail('bad_cnf', 'osc hkdf not supported');
      const alg = osc.alg === null ? DEFAULT_AEAD : osc.alg;
      if (typeof alg !== 'number' || aeadParams(alg) === undefined || !this.deps.provider.supports(alg)) fail('bad_cnf', 'osc alg not supported');
      return { ms: osc.ms, salt: osc.salt, alg: alg as number, idContext: osc.contextId, id: osc.id };
    }
    if (c.kind === 'key' && c.key.k) {
      // A symmetric PoP key (RFC 8747 §3.3) serves as the OSCORE Master Secret.
      const keyAlg = c.key.alg;
      const alg = keyAlg !== null && keyAlg !== undefined && aeadParams(keyAlg) !== undefined ? keyAlg : DEFAULT_AEAD;
      return { ms: c.key.k, salt: null, alg: alg, idContext: null, id: c.key.kid || null };
    }
    return fail('bad_cnf', 'cnf is neither osc nor a symmetric key');
  }

  /** OSCORE IDs are at most nonce length - 6 bytes (RFC 8613 §5.2): 7 for AES-CCM, 6 for GCM. */
  private maxIdLength(): number {
    return 7;
  }

  private pickRecipientId(id1: Uint8Array, idContext: Uint8Array | null): Uint8Array {
    for (let attempt = 0; attempt < 32; attempt++) {
      const id = this.deps.provider.randomBytes(attempt < 16 ? this.idLength : this.idLength + 1);
      if (toHex(id) === toHex(id1)) continue;
      if (this.contexts.find(id, idContext) !== null) continue;
      if (this.tokens.findByContext(id, idContext) !== null) continue;
      return id;
    }
    return fail('internal', 'no free OSCORE Recipient ID');
  }

  private makeContext(record: TokenRecord, material: OscoreMaterial, fresh: boolean): SecurityContext {
    const key = sequenceKey(record.recipientId, record.idContext);
    // A context made now has new keys: a sequence record left by an older one is meaningless.
    if (fresh) forgetSequence(this.deps.storage, key);
    return new SecurityContext(this.deps.provider, {
      masterSecret: material.masterSecret,
      masterSalt: material.masterSalt,
      senderId: record.senderId,
      recipientId: record.recipientId,
      idContext: record.idContext,
      aeadAlg: material.aeadAlg,
      hkdfAlg: material.hkdfAlg,
    }, {
      storage: this.deps.storage,
      storageKey: key,
      sequenceStep: this.config.sequenceStep,
      name: contextName(record.recipientId, record.idContext),
    });
  }

  private retire(context: SecurityContext): void {
    this.contexts.remove(context);
    delete this.inputIds['r' + toHex(context.recipient.id)];
  }

  /** Removes contexts whose token is gone (replaced, expired, spent). */
  private retireOrphans(): void {
    const names: string[] = [];
    const records = this.tokens.list();
    for (let i = 0; i < records.length; i++) {
      if (!records[i].spent) names.push(contextName(records[i].recipientId, records[i].idContext));
    }
    const all = this.contexts.all();
    for (let i = 0; i < all.length; i++) if (names.indexOf(all[i].name) < 0) this.retire(all[i]);
  }
}

/** Options of an ACE error response (RFC 9200 §5.10.1: content-format application/ace+cbor). */
export function aceErrorResponse(e: CoreError, codec: CborCodec, extra: CoapOption[]): CoapResponse {
  const body = new CborMap();
  // RFC 9200 Table 3 codes where one fits; RFC 6750 §3.1's invalid_token for token failures.
  body.set(AceParam.Error, e.ace !== undefined ? e.ace : e.code === Code.BadRequest ? 1 : 'invalid_token');
  body.set(AceParam.ErrorDescription, e.message);
  const options: CoapOption[] = [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.AceCbor) }];
  for (let i = 0; i < extra.length; i++) options.push(extra[i]);
  options.sort(function (a: CoapOption, b: CoapOption): number { return a.number - b.number; });
  return { code: e.code, options: options, payload: codec.encode(body) };
}
