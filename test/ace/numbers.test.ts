/** The ACE numbers equal the RFC tables of ../shared/vectors (RFC 9200, RFC 9203, RFC 9237). */
import test from 'ava';
import { loadVectors } from '../helpers/vectors.ts';
import { AceErrorCode } from '../../device/errors.ts';
import { CnfMethod, OscLabel } from '../../device/cwt/iana.ts';
import { ContentFormat } from '../../device/coap/numbers.ts';
import {
  AceParam, AceProfile, AIF_ALL_METHODS, AIF_DYNAMIC_OFFSET, AifMethod, CreationHint, GrantType, IntrospectionParam, TokenType,
} from '../../device/ace/numbers.ts';

const ace = loadVectors('rfc9200-ace.json');
const aceOscore = loadVectors('rfc9203-ace-oscore.json');

interface Row {
  name: string;
  cbor_key?: number;
  cbor_value?: number;
  cbor_label?: number;
  confirmation_key?: number;
}

/** Each table row has exactly one constant, with the same number, and nothing is left over. */
function sameTable(t: import('ava').ExecutionContext, rows: Row[], ours: { [name: string]: number | undefined }): void {
  const seen: string[] = [];
  for (const row of rows) {
    const value = row.cbor_key ?? row.cbor_value ?? row.cbor_label ?? row.confirmation_key;
    t.true(row.name in ours, 'no constant for ' + row.name);
    t.is(ours[row.name], value, row.name);
    seen.push(row.name);
  }
  t.deepEqual(Object.keys(ours).sort(), seen.sort());
}

test('RFC 9200 Table 1: AS Request Creation Hints', (t) => {
  sameTable(t, ace.tables.as_request_creation_hints.rows, {
    AS: CreationHint.AS, kid: CreationHint.Kid, audience: CreationHint.Audience,
    scope: CreationHint.Scope, cnonce: CreationHint.Cnonce,
  });
});

test('RFC 9200 Table 3: error codes (device/errors.ts)', (t) => {
  sameTable(t, ace.tables.error_codes.rows, {
    invalid_request: AceErrorCode.InvalidRequest, invalid_client: AceErrorCode.InvalidClient,
    invalid_grant: AceErrorCode.InvalidGrant, unauthorized_client: AceErrorCode.UnauthorizedClient,
    unsupported_grant_type: AceErrorCode.UnsupportedGrantType, invalid_scope: AceErrorCode.InvalidScope,
    unsupported_pop_key: AceErrorCode.UnsupportedPopKey, incompatible_ace_profiles: AceErrorCode.IncompatibleAceProfiles,
  });
});

test('RFC 9200 Table 4: grant types', (t) => {
  sameTable(t, ace.tables.grant_types.rows, {
    password: GrantType.Password, authorization_code: GrantType.AuthorizationCode,
    client_credentials: GrantType.ClientCredentials, refresh_token: GrantType.RefreshToken,
  });
});

test('RFC 9200 Table 5: token request and response parameters', (t) => {
  sameTable(t, ace.tables.token_request_response_parameters.rows, {
    access_token: AceParam.AccessToken, expires_in: AceParam.ExpiresIn, audience: AceParam.Audience,
    scope: AceParam.Scope, client_id: AceParam.ClientId, client_secret: AceParam.ClientSecret,
    response_type: AceParam.ResponseType, redirect_uri: AceParam.RedirectUri, state: AceParam.State,
    code: AceParam.Code, error: AceParam.Error, error_description: AceParam.ErrorDescription,
    error_uri: AceParam.ErrorUri, grant_type: AceParam.GrantType, token_type: AceParam.TokenType,
    username: AceParam.Username, password: AceParam.Password, refresh_token: AceParam.RefreshToken,
    ace_profile: AceParam.AceProfile, cnonce: AceParam.Cnonce,
  });
});

test('RFC 9200 Table 6: introspection parameters', (t) => {
  sameTable(t, ace.tables.introspection_parameters.rows, {
    iss: IntrospectionParam.Iss, sub: IntrospectionParam.Sub, aud: IntrospectionParam.Aud,
    exp: IntrospectionParam.Exp, nbf: IntrospectionParam.Nbf, iat: IntrospectionParam.Iat,
    cti: IntrospectionParam.Cti, scope: IntrospectionParam.Scope, active: IntrospectionParam.Active,
    token: IntrospectionParam.Token, client_id: IntrospectionParam.ClientId, error: IntrospectionParam.Error,
    error_description: IntrospectionParam.ErrorDescription, error_uri: IntrospectionParam.ErrorUri,
    token_type_hint: IntrospectionParam.TokenTypeHint, token_type: IntrospectionParam.TokenType,
    username: IntrospectionParam.Username, ace_profile: IntrospectionParam.AceProfile,
    cnonce: IntrospectionParam.Cnonce, exi: IntrospectionParam.Exi,
  });
});

test('RFC 9200 §8.7.1 token types and §8.16 content format', (t) => {
  sameTable(t, ace.tables.token_type_cbor_mappings.rows, { Bearer: TokenType.Bearer, PoP: TokenType.PoP });
  const cf = ace.tables.coap_content_format.rows[0];
  t.is(cf.media_type, 'application/ace+cbor');
  t.is(ContentFormat.AceCbor, cf.id, 'named in device/coap/numbers.ts');
});

test('RFC 9203: profile, OAuth parameters; cnf method and OSCORE_Input_Material labels (device/cwt)', (t) => {
  sameTable(t, aceOscore.tables.ace_profile.rows, { coap_oscore: AceProfile.CoapOscore });
  sameTable(t, aceOscore.tables.oauth_parameters_cbor_mappings.rows, {
    nonce1: AceParam.Nonce1, nonce2: AceParam.Nonce2,
    ace_client_recipientid: AceParam.AceClientRecipientId, ace_server_recipientid: AceParam.AceServerRecipientId,
  });
  // named in device/cwt/iana.ts
  sameTable(t, aceOscore.tables.cwt_confirmation_methods.rows, { osc: CnfMethod.Osc });
  sameTable(t, aceOscore.tables.oscore_input_material.rows, {
    id: OscLabel.Id, version: OscLabel.Version, ms: OscLabel.Ms, hkdf: OscLabel.Hkdf, alg: OscLabel.Alg,
    salt: OscLabel.Salt, contextId: OscLabel.ContextId,
  });
  const ex = aceOscore.exchange_values;
  t.is(ex.client_to_rs_authz_info.nonce1_key, AceParam.Nonce1);
  t.is(ex.client_to_rs_authz_info.ace_client_recipientid_key, AceParam.AceClientRecipientId);
  t.is(ex.rs_to_client_created.nonce2_key, AceParam.Nonce2);
  t.is(ex.rs_to_client_created.ace_server_recipientid_key, AceParam.AceServerRecipientId);
  t.is(ex.oscore_input_material_in_cnf.osc_key, CnfMethod.Osc);
});

test('RFC 9201 parameters as the RFC 9203 figures use them (req_cnf 4, cnf 8)', (t) => {
  const texts: string[] = aceOscore.examples.map((e: { text?: string }) => e.text ?? '');
  t.true(texts.some((x) => x.includes('/ req_cnf / ' + AceParam.ReqCnf + ' :')));
  t.true(texts.some((x) => x.includes('/ cnf / ' + AceParam.Cnf + ' :')));
  t.is(AceParam.RsCnf, 41);
});

test('RFC 9237 §3: AIF method bits are 2^(CoAP code - 1), Dynamic-Offset 32', (t) => {
  const bits = [AifMethod.GET, AifMethod.POST, AifMethod.PUT, AifMethod.DELETE, AifMethod.FETCH, AifMethod.PATCH, AifMethod.iPATCH];
  bits.forEach((b, i) => t.is(b, 2 ** i));
  t.is(AIF_ALL_METHODS, bits.reduce((a, b) => a | b, 0));
  t.is(AIF_DYNAMIC_OFFSET, 32);
});
