/**
 * The reference AS: PKCE S256 (RFC 7636 Appendix B), the time-window policy, and the token
 * endpoint's answers over CoAP in the simulation (RFC 9200 §5.8: grants, errors, cnf/osc).
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { CborMap, portableCbor } from '../../device/codec/cbor.ts';
import { AceParam, GrantType } from '../../device/ace/numbers.ts';
import { AceErrorCode } from '../../device/errors.ts';
import { CnfMethod } from '../../device/cwt/iana.ts';
import { challengeS256, isVerifier, newVerifier, verifierMatches } from '../../sim/as/pkce.ts';
import { Policy, window } from '../../sim/as/policy.ts';
import { World, APP_CLIENT, APP_REDIRECT } from '../../sim/scenarios/world.ts';
import { HOME, ALICE, MONITORING, enrol, backDoor, frontDoor, sensor, alicePhone } from '../../sim/scenarios/home.ts';
import { plainRequest } from '../../sim/phone/coap-request.ts';
import { CODE_CHALLENGE, CODE_CHALLENGE_METHOD, CODE_VERIFIER } from '../../sim/as/token-endpoint.ts';
import type { Phone } from '../../sim/phone/phone.ts';

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());

test('PKCE S256: the RFC 7636 Appendix B example', (t) => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  t.is(challengeS256(verifier, sha256), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  t.true(verifierMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', sha256));
  t.false(verifierMatches(verifier.slice(0, -1) + 'j', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', sha256));
  t.false(verifierMatches(undefined, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', sha256));
  t.false(isVerifier('short'));
  t.false(isVerifier('a'.repeat(129)));
  t.false(isVerifier('a'.repeat(42) + '+'));
  const v = newVerifier((n) => new Uint8Array(n).fill(7));
  t.is(v.length, 43);
  t.true(isVerifier(v));
});

test('policy: a daily window in local time, ending the grant where it ends; windows across midnight', (t) => {
  const p = new Policy([
    { subject: 'p', audience: 'door', scopes: ['lock:open', 'alarm:disarm'], window: window('18:00', '23:00') },
    { subject: 'n', audience: '*', scopes: ['lock:read'], window: window('22:00', '06:00') },
    { subject: 'a', audience: 'door', scopes: ['lock:open'] },
  ], 60);
  const at = (hh: number, mm: number) => Date.UTC(2026, 2, 2, hh - 1, mm) / 1000; // local UTC+01:00
  const evening = p.decide('p', 'door', null, at(18, 30));
  t.deepEqual(evening.granted, ['lock:open', 'alarm:disarm']);
  t.is(evening.until, at(23, 0));
  t.deepEqual(p.decide('p', 'door', ['lock:open', 'garage:open'], at(22, 59)).granted, ['lock:open']);
  t.deepEqual(p.decide('p', 'door', null, at(23, 0)).granted, []);
  t.deepEqual(p.decide('p', 'door', null, at(8, 0)).granted, []);
  t.deepEqual(p.decide('p', 'garage', null, at(18, 30)).granted, []);
  const night = p.decide('n', 'any', null, at(23, 30));
  t.deepEqual(night.granted, ['lock:read']);
  t.is(night.until, at(6, 0) + 86400);
  t.deepEqual(p.decide('n', 'any', null, at(12, 0)).granted, []);
  t.deepEqual(p.decide('a', 'door', null, at(3, 0)), { granted: ['lock:open'], until: null });
});

/** POST an ace+cbor map to the AS and decode the answer. */
async function ask(w: World, phone: Phone, path: string, body: CborMap): Promise<{ code: string; map: CborMap }> {
  const r = await plainRequest(phone.agent, {
    host: w.as.addr.address, port: w.as.addr.port, method: 'POST', path, payload: portableCbor.encode(body), contentFormat: 19,
  });
  if (r.contentFormat !== 19) throw new Error('the AS answered without application/ace+cbor');
  return { code: r.code, map: portableCbor.decode(r.payload) as CborMap };
}

test.serial('token endpoint: grants and the errors of RFC 9200 §5.8.3', async (t) => {
  const w = new World({ ...HOME, seed: 'as-test', detail: false });
  enrol(w);
  const lock = backDoor(w);
  frontDoor(w);
  const dev = sensor(w);
  const phone = alicePhone(w);
  const machine = w.addMachine('monitoring-server', MONITORING.id);
  await w.sim.run(async () => {
    // a grant_type the AS does not do
    const bad = await ask(w, phone, '/token', new CborMap().set(AceParam.GrantType, GrantType.Password));
    t.is(bad.code, '4.00');
    t.is(bad.map.get(AceParam.Error), AceErrorCode.UnsupportedGrantType);
    // client credentials with a wrong secret: 4.01 invalid_client
    const wrong = await ask(w, machine, '/token', new CborMap().set(AceParam.GrantType, GrantType.ClientCredentials)
      .set(AceParam.ClientId, MONITORING.id).set(AceParam.ClientSecret, 'nope').set(AceParam.Audience, 'front-door'));
    t.is(wrong.code, '4.01');
    t.is(wrong.map.get(AceParam.Error), AceErrorCode.InvalidClient);
    // a public client cannot use client credentials
    const pub = await ask(w, phone, '/token', new CborMap().set(AceParam.GrantType, GrantType.ClientCredentials)
      .set(AceParam.ClientId, APP_CLIENT).set(AceParam.Audience, 'front-door'));
    t.is(pub.code, '4.01');
    // authorize: plain PKCE is refused, a wrong password is access_denied
    const base = () => new CborMap().set(AceParam.ResponseType, 'code').set(AceParam.ClientId, APP_CLIENT)
      .set(AceParam.RedirectUri, APP_REDIRECT).set(AceParam.Audience, lock.name).set(AceParam.Scope, 'lock:open')
      .set(AceParam.Username, ALICE.user).set(AceParam.Password, ALICE.password)
      .set(CODE_CHALLENGE, challengeS256('v'.repeat(43), sha256)).set(CODE_CHALLENGE_METHOD, 'S256');
    t.is((await ask(w, phone, '/authorize', base().set(CODE_CHALLENGE_METHOD, 'plain'))).code, '4.00');
    const denied = await ask(w, phone, '/authorize', base().set(AceParam.Password, 'guess'));
    t.is(denied.code, '4.03');
    t.is(denied.map.get(AceParam.Error), 'access_denied');
    t.is((await ask(w, phone, '/authorize', base().set(AceParam.RedirectUri, 'https://evil.example/cb'))).code, '4.00');
    // a code redeemed with the right verifier: a token with osc; again: invalid_grant
    const code = (await ask(w, phone, '/authorize', base())).map.get(AceParam.Code) as string;
    const redeem = new CborMap().set(AceParam.GrantType, GrantType.AuthorizationCode).set(AceParam.Code, code)
      .set(AceParam.RedirectUri, APP_REDIRECT).set(AceParam.ClientId, APP_CLIENT).set(CODE_VERIFIER, 'v'.repeat(43));
    const ok = await ask(w, phone, '/token', redeem);
    t.is(ok.code, '2.01');
    t.true(ok.map.get(AceParam.AccessToken) instanceof Uint8Array);
    t.is(ok.map.get(AceParam.Scope), 'lock:open');
    t.is(ok.map.get(AceParam.AceProfile), 2);
    t.true((ok.map.get(AceParam.Cnf) as CborMap).has(CnfMethod.Osc));
    const again = await ask(w, phone, '/token', redeem);
    t.is(again.code, '4.00');
    t.is(again.map.get(AceParam.Error), AceErrorCode.InvalidGrant);
    // a clockless device's token needs the cnonce of its hints
    const sensorCode = (await ask(w, phone, '/authorize', base().set(AceParam.Audience, dev.name).set(AceParam.Scope, 'vitals:read'))).map.get(AceParam.Code);
    const noNonce = await ask(w, phone, '/token', new CborMap().set(AceParam.GrantType, GrantType.AuthorizationCode).set(AceParam.Code, sensorCode as string)
      .set(AceParam.RedirectUri, APP_REDIRECT).set(AceParam.ClientId, APP_CLIENT).set(CODE_VERIFIER, 'v'.repeat(43)));
    t.is(noNonce.code, '4.00');
    t.is(noNonce.map.get(AceParam.Error), AceErrorCode.InvalidRequest);
    // scope the policy does not give: invalid_scope at the token endpoint (machine)
    const scope = await ask(w, machine, '/token', new CborMap().set(AceParam.GrantType, GrantType.ClientCredentials)
      .set(AceParam.ClientId, MONITORING.id).set(AceParam.ClientSecret, MONITORING.secret).set(AceParam.Audience, 'front-door').set(AceParam.Scope, 'lock:open'));
    t.is(scope.code, '4.00');
    t.is(scope.map.get(AceParam.Error), AceErrorCode.InvalidScope);
    // garbage
    const r = await plainRequest(phone.agent, { host: w.as.addr.address, port: w.as.addr.port, method: 'POST', path: '/token', payload: new Uint8Array([0xff]) });
    t.is(r.code, '4.00');
    // introspection only over OSCORE: 4.04 in the clear
    const intro = await plainRequest(phone.agent, { host: w.as.addr.address, port: w.as.addr.port, method: 'POST', path: '/introspect', payload: new Uint8Array([0xa0]) });
    t.is(intro.code, '4.04');
  });
});
