/** Shared fixtures of the COSE and CWT tests: codecs, RFC keys, clocks, error assertions. */
import type { ExecutionContext } from 'ava';
import { CborCodec, decode, portableCbor } from '../../device/codec/cbor.ts';
import type { ErrorKind } from '../../device/errors.ts';
import { isCoreError } from '../../device/errors.ts';
import type { Clock } from '../../device/storage.ts';
import { CoseKey, parseCoseKey, symmetricKey } from '../../device/cose/key.ts';
import { Alg } from '../../device/cose/iana.ts';
import { hex, loadVectors } from '../helpers/vectors.ts';

/** Every codec the layers must work with (the Node host's cbor-x codec joins when it exists). */
export const CODECS: CborCodec[] = [portableCbor];

export const CWT = loadVectors('rfc8392-cwt.json');
export const CNF = loadVectors('rfc8747-cnf.json');
export const OSCORE_PROFILE = loadVectors('rfc9203-ace-oscore.json');

/** RFC 8392 A.2.3: the ES256 key, with d (verify uses x/y). */
export function a23Key(): CoseKey {
  return parseCoseKey(decode(hex(CWT.keys.ecdsa_p256.cose_key_hex)));
}

/** RFC 8392 A.2.1: the 128-bit AES-CCM-16-64-128 key, kid 'Symmetric128'. */
export function a21Key(): CoseKey {
  return parseCoseKey(decode(hex(CWT.keys.symmetric_128.cose_key_hex)));
}

/**
 * RFC 8392 A.2.2's k and kid, restricted to HMAC 256/64 as A.4/A.7 use it. The printed hex
 * says alg 10, which a 32-byte key cannot serve (see the key tests and the vectors' README).
 */
export function a22Key(): CoseKey {
  return symmetricKey(hex(CWT.keys.symmetric_256.k), hex(CWT.keys.symmetric_256.kid_hex), Alg.HMAC_256_64);
}

/** A.1: nbf = iat = 1443944944, exp = 1444064944. */
export const A1_NOW = 1443944944 + 60;
export const A1_AUD = 'coap://light.example.com';

export class TestClock implements Clock {
  constructor(public seconds: number | null, public ms: number) {}
  nowSeconds(): number | null {
    return this.seconds;
  }
  monotonicMs(): number {
    return this.ms;
  }
}


/** A copy with one bit flipped at `index` (negative counts from the end). */
export function flip(bytes: Uint8Array, index: number, bit?: number): Uint8Array {
  const out = bytes.slice();
  const i = index < 0 ? out.length + index : index;
  out[i] ^= 1 << (bit ?? 0);
  return out;
}

export { throwsKind } from '../helpers/errors.ts';
