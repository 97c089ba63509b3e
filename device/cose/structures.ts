/**
 * The byte strings COSE signs, MACs, encrypts under and derives from, built exactly as
 * RFC 9052 §4.4 (Sig_structure), §6.3 (MAC_structure), §5.3 (Enc_structure) and RFC 9053 §5.2
 * (COSE_KDF_Context) define them. Protected buckets go in as the bytes received.
 */
import { CborCodec, CborValue } from '../codec/cbor.ts';
import { MAC0, SIGNATURE1 } from './iana.ts';

/** Sig_structure for COSE_Sign1: ["Signature1", body_protected, external_aad, payload]. */
export function sigStructure1(bodyProtected: Uint8Array, externalAad: Uint8Array, payload: Uint8Array, codec: CborCodec): Uint8Array {
  return codec.encode([SIGNATURE1, bodyProtected, externalAad, payload]);
}

/** MAC_structure for COSE_Mac0: ["MAC0", protected, external_aad, payload]. */
export function macStructure0(bodyProtected: Uint8Array, externalAad: Uint8Array, payload: Uint8Array, codec: CborCodec): Uint8Array {
  return codec.encode([MAC0, bodyProtected, externalAad, payload]);
}

/** Enc_structure: [context, protected, external_aad]; context "Encrypt0" or "Encrypt". */
export function encStructure(context: string, bodyProtected: Uint8Array, externalAad: Uint8Array, codec: CborCodec): Uint8Array {
  return codec.encode([context, bodyProtected, externalAad]);
}

/** PartyInfo = [identity: bstr/nil, nonce: bstr/int/nil, other: bstr/nil] (RFC 9053 §5.2). */
export interface PartyInfo {
  identity: Uint8Array | null;
  nonce: Uint8Array | number | null;
  other: Uint8Array | null;
}

function partyInfo(p: PartyInfo): CborValue[] {
  return [p.identity, p.nonce, p.other];
}

/**
 * COSE_KDF_Context = [AlgorithmID, PartyUInfo, PartyVInfo, SuppPubInfo] with
 * SuppPubInfo = [keyDataLength (bits), protected]; no SuppPubInfo.other, no SuppPrivInfo.
 */
export function kdfContext(algorithmId: number, partyU: PartyInfo, partyV: PartyInfo, keyBytes: number, recipientProtected: Uint8Array, codec: CborCodec): Uint8Array {
  return codec.encode([algorithmId, partyInfo(partyU), partyInfo(partyV), [keyBytes * 8, recipientProtected]]);
}
