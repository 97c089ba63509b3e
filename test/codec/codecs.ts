/** Every CBOR codec, so each layer's tests can run against all of them (as PROVIDERS for crypto). */
import { portableCbor } from '../../device/codec/cbor.ts';
import type { CborCodec } from '../../device/codec/cbor.ts';
import { cborX } from '../../device/hosts/node/cbor-x.ts';

export const CODECS: CborCodec[] = [portableCbor, cborX];

/** Whether a codec decodes integers beyond 2^53 to bigint (cbor-x) rather than refusing them (portable). */
export function holdsBigInts(codec: CborCodec): boolean {
  return codec.name === cborX.name;
}
