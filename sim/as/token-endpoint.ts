/**
 * The AS's two client-facing resources, both application/ace+cbor over CoAP:
 *
 * POST /authorize — the authorization step of the code grant (RFC 6749 §4.1.1), modelled as
 *   one request: the app sends the user's login with client_id, redirect_uri, audience,
 *   scope and the PKCE code_challenge (method S256); the answer carries the code, as the
 *   redirect to redirect_uri would. (In a real app this is the browser step; the simulation
 *   keeps its messages and its threat: an app that sees the redirect sees the code.)
 * POST /token — RFC 9200 §5.8: grant_type authorization_code (with code, redirect_uri,
 *   client_id, code_verifier) for apps; client_credentials (client_id, client_secret,
 *   audience, scope) for machines. `cnonce` from the device's creation hints goes into the
 *   token. The answer: access_token, expires_in, scope, ace_profile, cnf/osc.
 * PKCE parameters have no CBOR abbreviation (RFC 9200 Table 5 has none): they go by their
 * OAuth names as text keys.
 */
import { CborMap } from '../../device/codec/cbor.ts';
import type { CborCodec } from '../../device/codec/cbor.ts';
import { Code } from '../../device/errors.ts';
import type { CoapResponse, Exchange, Resource } from '../../device/coap/interfaces.ts';
import { makeResponse } from '../../device/coap/site.ts';
import { ContentFormat, Method } from '../../device/coap/numbers.ts';
import { AceParam, GrantType } from '../../device/ace/numbers.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import type { AsKeys } from './issuer.ts';
import type { Directory } from './directory.ts';
import type { Policy } from './policy.ts';
import type { DeviceRegistry } from './registry.ts';
import { CODE_LIFETIME_S } from './grants.ts';
import type { CodeStore, ReferenceStore } from './grants.ts';
import { S256, verifierMatches } from './pkce.ts';
import { mintFor } from './mint.ts';
import {
  AsError, accessDenied, bytesParam, errorReply, invalidClient, invalidGrant, invalidRequest, invalidScope,
  requestMap, textParam, unauthorizedClient, unsupportedGrantType,
} from './errors.ts';

export const CODE_CHALLENGE = 'code_challenge';
export const CODE_CHALLENGE_METHOD = 'code_challenge_method';
export const CODE_VERIFIER = 'code_verifier';
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** What the AS's resources share. */
export interface AsState {
  issuer: string;
  keys: AsKeys;
  registry: DeviceRegistry;
  directory: Directory;
  policy: Policy;
  codes: CodeStore;
  references: ReferenceStore;
  provider: CryptoProvider;
  codec: CborCodec;
  /** Wall time, seconds. */
  now: () => number;
  /** Longest token lifetime, seconds. */
  maxLifetime: number;
  nextCti: () => number;
  /** What happened, for the report ("token for alice-parents on front-door"). */
  log: (line: string) => void;
}

function scopeWords(s: string | null): string[] | null {
  if (s === null) return null;
  const words = s.split(' ').filter((w) => w.length > 0);
  return words.length > 0 ? words : null;
}

/** A resource taking POST with an ace+cbor map, answering with AsError renderings. */
function aceResource(codec: CborCodec, handle: (m: CborMap, x: Exchange) => CoapResponse): Resource {
  return {
    linkAttributes: '',
    observable: false,
    render(x: Exchange): CoapResponse {
      if (x.request.code !== Method.POST) return makeResponse(Code.MethodNotAllowed, new Uint8Array(0));
      try {
        return handle(requestMap(x.request.payload, codec), x);
      } catch (e) {
        if (e instanceof AsError) return errorReply(e, codec);
        throw e;
      }
    },
  };
}

function created(body: CborMap, codec: CborCodec): CoapResponse {
  return makeResponse(Code.Created, codec.encode(body), ContentFormat.AceCbor);
}

export function authorizeResource(s: AsState): Resource {
  return aceResource(s.codec, (m) => {
    if (textParam(m, AceParam.ResponseType, 'response_type', true) !== 'code') throw invalidRequest('response_type must be code');
    const clientId = textParam(m, AceParam.ClientId, 'client_id', true) as string;
    const client = s.directory.client(clientId);
    if (client === null || client.type !== 'public') throw unauthorizedClient('unknown client or not an app');
    const redirectUri = textParam(m, AceParam.RedirectUri, 'redirect_uri', true) as string;
    if (client.redirectUris.indexOf(redirectUri) < 0) throw invalidRequest('redirect_uri not registered for this client');
    const challenge = textParam(m, CODE_CHALLENGE, CODE_CHALLENGE, true) as string;
    if (textParam(m, CODE_CHALLENGE_METHOD, CODE_CHALLENGE_METHOD, true) !== S256) throw invalidRequest('code_challenge_method must be S256');
    if (!CHALLENGE.test(challenge)) throw invalidRequest('code_challenge is not a base64url SHA-256');
    const user = textParam(m, AceParam.Username, 'username', true) as string;
    if (!s.directory.checkUser(user, m.get(AceParam.Password))) throw accessDenied('login failed');
    const audience = textParam(m, AceParam.Audience, 'audience', true) as string;
    if (s.registry.get(audience) === null) throw invalidRequest('unknown audience');
    const scope = scopeWords(textParam(m, AceParam.Scope, 'scope', false));
    const now = s.now();
    if (s.policy.decide(user, audience, scope, now).granted.length === 0) {
      s.log('authorize refused: ' + user + ' on ' + audience);
      throw accessDenied(user + ' may not use ' + audience + ' now');
    }
    const code = s.codes.issue({ clientId, redirectUri, subject: user, audience, scope, challenge, expiresAt: now + CODE_LIFETIME_S });
    const reply = new CborMap().set(AceParam.Code, code);
    const state = m.get(AceParam.State);
    if (state !== undefined) reply.set(AceParam.State, state);
    return created(reply, s.codec);
  });
}

export function tokenResource(s: AsState): Resource {
  return aceResource(s.codec, (m) => {
    const type = m.get(AceParam.GrantType);
    const cnonce = bytesParam(m, AceParam.Cnonce, 'cnonce', 64);
    if (type === GrantType.AuthorizationCode) return created(codeGrant(s, m, cnonce), s.codec);
    if (type === GrantType.ClientCredentials) return created(clientGrant(s, m, cnonce), s.codec);
    throw unsupportedGrantType('grant_type must be authorization_code or client_credentials');
  });
}

/** RFC 6749 §4.1.3 with RFC 7636 §4.5-4.6. */
function codeGrant(s: AsState, m: CborMap, cnonce: Uint8Array | null): CborMap {
  const code = textParam(m, AceParam.Code, 'code', true) as string;
  const clientId = textParam(m, AceParam.ClientId, 'client_id', true) as string;
  const now = s.now();
  const g = s.codes.find(code, now);
  if (g === null) throw invalidGrant('unknown, used or expired code');
  if (g.clientId !== clientId || textParam(m, AceParam.RedirectUri, 'redirect_uri', true) !== g.redirectUri) {
    throw invalidGrant('code issued to another client or redirect_uri');
  }
  if (!verifierMatches(m.get(CODE_VERIFIER), g.challenge, (d) => s.provider.sha256(d))) {
    s.codes.failed(code);
    s.log('PKCE verification failed for a code of ' + g.subject);
    throw invalidGrant('code_verifier does not match the code_challenge');
  }
  s.codes.consume(code);
  return grantNow(s, g.subject, g.audience, g.scope, cnonce, now);
}

/** RFC 6749 §4.4: a machine authenticates with its secret; its policy subject is "client:<id>". */
function clientGrant(s: AsState, m: CborMap, cnonce: Uint8Array | null): CborMap {
  const clientId = textParam(m, AceParam.ClientId, 'client_id', true) as string;
  const client = s.directory.client(clientId);
  if (client === null || client.type !== 'confidential' || !s.directory.checkSecret(clientId, m.get(AceParam.ClientSecret))) {
    throw invalidClient('client authentication failed');
  }
  const audience = textParam(m, AceParam.Audience, 'audience', true) as string;
  return grantNow(s, 'client:' + clientId, audience, scopeWords(textParam(m, AceParam.Scope, 'scope', false)), cnonce, s.now());
}

function grantNow(s: AsState, subject: string, audience: string, scope: string[] | null, cnonce: Uint8Array | null, now: number): CborMap {
  const device = s.registry.get(audience);
  if (device === null) throw invalidRequest('unknown audience');
  const d = s.policy.decide(subject, audience, scope, now);
  if (d.granted.length === 0) {
    s.log('token refused: ' + subject + ' on ' + audience);
    throw invalidScope(subject + ' has no permission on ' + audience + ' now');
  }
  const lifetime = Math.floor(d.until === null ? s.maxLifetime : Math.min(s.maxLifetime, d.until - now));
  if (lifetime < 1) throw invalidScope('the permission ends now');
  s.log('token for ' + subject + ' on ' + audience + ': ' + d.granted.join(' ') + ' (' + lifetime + ' s)');
  return mintFor(device, { subject, audience, scope: d.granted, lifetime, cnonce }, {
    keys: s.keys, issuer: s.issuer, provider: s.provider, codec: s.codec, references: s.references, now, nextCti: s.nextCti,
  });
}

