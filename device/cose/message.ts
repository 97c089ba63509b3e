/**
 * What all COSE messages share: decoding bytes through the host's codec, and recognising the
 * tagged and untagged forms (RFC 9052 §2). A tag, when present, must be the expected one.
 */
import { fail, isCoreError } from '../errors.ts';
import { CborCodec, CborTag, CborValue } from '../codec/cbor.ts';

/** Decodes one CBOR item; a codec that throws something other than a CoreError gives 'malformed_cbor'. */
export function decodeCbor(bytes: Uint8Array, codec: CborCodec): CborValue {
  if (!(bytes instanceof Uint8Array)) return fail('malformed_cbor', 'input is not bytes');
  try {
    return codec.decode(bytes);
  } catch (e) {
    if (isCoreError(e)) throw e;
    return fail('malformed_cbor', 'not well-formed CBOR');
  }
}

/**
 * The array of a COSE message of type `name`, tagged with `tag` or untagged; `lengths` are
 * the element counts the type allows. Throws 'malformed_cose'.
 */
export function messageArray(value: CborValue, tag: number, lengths: number[], name: string): CborValue[] {
  let v = value;
  if (v instanceof CborTag) {
    if (v.tag !== tag) fail('malformed_cose', 'tag ' + v.tag + ' where ' + name + ' was expected');
    v = v.value;
  }
  if (!Array.isArray(v) || lengths.indexOf(v.length) < 0) fail('malformed_cose', name + ' is not an array of the right length');
  return v as CborValue[];
}

export function bstrField(v: CborValue, what: string): Uint8Array {
  if (v === null) return fail('malformed_cose', what + ' is detached (nil), which is not supported');
  if (!(v instanceof Uint8Array)) return fail('malformed_cose', what + ' is not a byte string');
  return v;
}

/** Returns the value wrapped in its tag, or bare. */
export function maybeTag(tagged: boolean, tag: number, value: CborValue): CborValue {
  return tagged ? new CborTag(tag, value) : value;
}

export const EMPTY = new Uint8Array(0);
