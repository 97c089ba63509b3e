/**
 * What the AS hands out for a granted request, by the kind of device:
 * - a disconnected device gets a self-contained CWT, signed by the AS, whose cnf carries the
 *   fresh PoP key encrypted to the device's own key (ECDH-ES, sim/as/issuer.ts `issueToken`);
 *   a device without a clock gets exi and the cnonce of its creation hints;
 * - a connected device gets a reference token (16 random bytes as a CBOR bstr) and asks the AS what it means
 *   (introspection, RFC 9200 §5.9) over its OSCORE channel with the AS.
 * Either way the client gets the OSCORE input material in cnf/osc (RFC 9203 §3.2).
 */
import { CborMap } from '../../device/codec/cbor.ts';
import type { CborCodec } from '../../device/codec/cbor.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { AceParam, AceProfile } from '../../device/ace/numbers.ts';
import { buildClaims } from '../../device/cwt/mint.ts';
import { cnfWithOsc } from '../../device/cwt/cnf-build.ts';
import type { OscoreInputMaterial } from '../../device/cwt/cnf.ts';
import { issueToken } from './issuer.ts';
import type { AsKeys } from './issuer.ts';
import type { DeviceRecord } from '../../provisioning/record.ts';
import { deviceEntryOf } from '../../provisioning/record.ts';
import type { ReferenceStore } from './grants.ts';
import { invalidRequest } from './errors.ts';

export interface Grant {
  subject: string;
  audience: string;
  scope: string[];
  /** Seconds the token lives. */
  lifetime: number;
  /** From the token request (copied from the device's creation hints). */
  cnonce: Uint8Array | null;
}

export interface MintContext {
  keys: AsKeys;
  issuer: string;
  provider: CryptoProvider;
  codec: CborCodec;
  references: ReferenceStore;
  now: number;
  /** The next cti (a counter: exi tokens need a sequence number, RFC 9200 §5.10.3). */
  nextCti: () => number;
}

const REFERENCE_LENGTH = 16;
const POP_KEY_LENGTH = 16;
const POP_ID_LENGTH = 4;

function ctiBytes(n: number): Uint8Array {
  const out = new Uint8Array(4);
  for (let i = 3; i >= 0; i--) {
    out[i] = n & 255;
    n = Math.floor(n / 256);
  }
  return out;
}

function oscOf(id: Uint8Array, ms: Uint8Array): OscoreInputMaterial {
  return { id, version: null, ms, hkdf: null, alg: null, salt: null, contextId: null };
}

/** The token response body (RFC 9200 §5.8.2, Table 5). */
export function mintFor(device: DeviceRecord, g: Grant, x: MintContext): CborMap {
  const scope = g.scope.join(' ');
  const cti = ctiBytes(x.nextCti());
  let token: Uint8Array;
  let osc: OscoreInputMaterial;
  if (device.mode === 'connected') {
    osc = oscOf(x.provider.randomBytes(POP_ID_LENGTH), x.provider.randomBytes(POP_KEY_LENGTH));
    // Wrapped as a CBOR byte string: raw random bytes can happen to parse as a COSE array,
    // which a device takes for a CWT instead of a reference to introspect (seen ~1 in 100).
    token = x.codec.encode(x.provider.randomBytes(REFERENCE_LENGTH));
    const exp = Math.floor(x.now) + g.lifetime;
    const claims = buildClaims({
      iss: x.issuer, sub: g.subject, aud: device.audience, exp, iat: Math.floor(x.now), cti,
      scope, cnf: cnfWithOsc(osc), aceProfile: AceProfile.CoapOscore,
    });
    x.references.add(token, { audience: device.audience, subject: g.subject, exp, claims });
  } else {
    if (!device.hasClock && g.cnonce === null) throw invalidRequest('this device has no clock: the request needs the cnonce of its creation hints');
    const issued = issueToken(x.keys, deviceEntryOf(device), {
      form: 'signed', to: 'device-key', scope, lifetime: g.lifetime, now: Math.floor(x.now), issuer: x.issuer,
      subject: g.subject, cti, cnonce: g.cnonce ?? undefined,
    }, x.provider, x.codec);
    token = issued.token;
    osc = oscOf(issued.material.id, issued.material.masterSecret);
  }
  return new CborMap()
    .set(AceParam.AccessToken, token)
    .set(AceParam.ExpiresIn, g.lifetime)
    .set(AceParam.Scope, scope)
    .set(AceParam.AceProfile, AceProfile.CoapOscore)
    .set(AceParam.Cnf, cnfWithOsc(osc));
}
