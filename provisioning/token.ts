/**
 * `token`: a CWT for a phone, minted by the same code the simulator's AS uses
 * (sim/as/issuer.ts issueToken), from the AS key file and a device's record.
 *
 * The cti is the AS's counter (kept in the AS file, under its lock): a token with exi needs
 * a sequence number in cti (RFC 9200 §5.10.3), and one counter for all devices is increasing
 * for each of them. With a clock the token carries exp = now + lifetime; a device without one
 * gets exi = lifetime and needs a cnonce from its creation hints. --exi forces exi.
 */
import type { CborCodec } from '../device/codec/cbor.ts';
import { toHex, utf8Decode } from '../device/codec/bytes.ts';
import type { CryptoProvider } from '../device/crypto/provider.ts';
import { issueToken } from '../sim/as/issuer.ts';
import type { IssuedToken } from '../sim/as/issuer.ts';
import type { AsFile } from './as-file.ts';
import { signingKeyOf } from './as-file.ts';
import type { DeviceRecord } from './record.ts';
import { deviceEntryOf } from './record.ts';
import { failure, usage } from './io.ts';

export const FORMS = ['signed', 'osc', 'maced'];

export interface TokenOptions {
  form: 'signed' | 'osc' | 'maced';
  scope: string;
  lifetime: number;
  /** Use exi even when the device has a clock. */
  exi: boolean;
  cnonce: Uint8Array | null;
  popKey: Uint8Array | null;
  popKid: Uint8Array | null;
  /** kid of the AS key to sign with; the current one when null. */
  signingKid: Uint8Array | null;
  /** For `signed`: encrypt the PoP key to the device key (default) or under the AS–device key. */
  to: 'device-key' | 'shared-key' | null;
  /** For `osc`: a signed CWT inside the Encrypt0. */
  nested: boolean;
}

export interface Minted {
  issued: IssuedToken;
  cti: Uint8Array;
  signingKid: Uint8Array | null;
  exp: number | null;
  exi: number | null;
}

/** cti: the counter, big-endian, in as few bytes as hold it (at most 6: RFC 9200 §5.10.3 via rs.ts). */
export function ctiBytes(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 1 || n >= 2 ** 48) failure('the AS file\'s cti counter is out of range');
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return new Uint8Array(out);
}

function checkScope(scope: string, record: DeviceRecord): void {
  const words = scope.split(' ');
  for (const w of words) {
    if (record.scopes[w] === undefined) {
      usage('scope ' + JSON.stringify(w) + ' is not one device ' + record.id + ' knows (' + Object.keys(record.scopes).join(', ') + ')');
    }
  }
}

/** Mints one token; advances as.cti (the caller writes the AS file back). */
export function mintToken(as: AsFile, record: DeviceRecord, o: TokenOptions, provider: CryptoProvider, codec: CborCodec, now: number): Minted {
  if (record.asId.length !== as.id.length || toHex(record.asId) !== toHex(as.id)) {
    failure('the record of ' + record.id + ' was made by another AS (its as.id differs)');
  }
  checkScope(o.scope, record);
  const useExi = o.exi || !record.hasClock;
  if (!record.hasClock && o.cnonce === null) usage('device ' + record.id + ' has no clock: --cnonce HEX (from its creation hints) is required');
  if (o.form !== 'signed' && o.to !== null) usage('--to applies to --form signed only');
  if (o.form !== 'osc' && o.nested) usage('--nested applies to --form osc only');
  const needsSigning = o.form === 'signed' || o.nested;
  if (!needsSigning && o.signingKid !== null) usage('--signing-key applies to signed tokens only');
  // issueToken takes the signing key whatever the form; only signed and nested tokens use it
  const signer = signingKeyOf(as, now, o.signingKid);
  const cti = ctiBytes(as.cti);
  as.cti += 1;
  const t = Math.floor(now);
  const entry = deviceEntryOf(record);
  entry.hasClock = !useExi;
  const issued = issueToken(
    { signing: signer.key, signingAlg: signer.key.alg as number },
    entry,
    {
      form: o.form,
      to: o.to === null ? undefined : o.to,
      nested: o.nested,
      scope: o.scope,
      lifetime: o.lifetime,
      now: t,
      issuer: as.uri,
      cnonce: o.cnonce === null ? undefined : o.cnonce,
      cti,
      popKey: o.popKey === null ? undefined : o.popKey,
      popKid: o.popKid === null ? undefined : o.popKid,
    },
    provider,
    codec,
  );
  return {
    issued,
    cti,
    signingKid: needsSigning ? signer.key.kid : null,
    exp: useExi ? null : t + o.lifetime,
    exi: useExi ? o.lifetime : null,
  };
}

function hexOrNull(b: Uint8Array | null): string | null {
  return b === null ? null : toHex(b);
}

/** Text of a kid made of printable ASCII (as the AS's are), else its hex. */
export function kidText(kid: Uint8Array): string {
  for (const b of kid) if (b < 0x20 || b > 0x7e) return toHex(kid);
  return utf8Decode(kid);
}

/** What `token` prints: the token, and the client material the phone derives its context from. */
export function tokenReport(record: DeviceRecord, o: TokenOptions, m: Minted): object {
  const c = m.issued.material;
  return {
    serial: record.id,
    audience: record.audience,
    form: o.form,
    scope: o.scope,
    token: { hex: toHex(m.issued.token), base64: Buffer.from(m.issued.token).toString('base64') },
    cti: toHex(m.cti),
    exp: m.exp,
    exi: m.exi,
    signedBy: m.signingKid === null ? null : kidText(m.signingKid),
    expiresIn: m.issued.expiresIn,
    client: {
      masterSecret: toHex(c.masterSecret),
      salt: hexOrNull(c.salt),
      idContext: hexOrNull(c.idContext),
      aeadAlg: c.aeadAlg,
      id: toHex(c.id),
    },
  };
}
