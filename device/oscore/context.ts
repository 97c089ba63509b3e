/**
 * The OSCORE security context (RFC 8613 §3): derivation of Sender Key, Recipient Key and
 * Common IV (§3.2.1), and everything per-message work can precompute (nonce bases, the head of
 * the AAD).
 *
 * Capabilities are separate types (after aiocoap's CanProtect / CanUnprotect): a SenderContext
 * holds what protecting needs (sender key, sequence numbers), a RecipientContext what verifying
 * needs (recipient key, replay window); the protect/unprotect functions take only the half they
 * use.
 */
import { encode } from '../codec/cbor.ts';
import { toHex } from '../codec/bytes.ts';
import { fail } from '../errors.ts';
import type { Storage } from '../storage.ts';
import { aeadParams } from '../crypto/provider.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { aadPrefix } from './aad.ts';
import { nonceBase } from './nonce.ts';
import { DEFAULT_AEAD, DEFAULT_REPLAY_WINDOW, HKDF_SHA_256 } from './numbers.ts';
import { ReplayWindow } from './replay.ts';
import { DEFAULT_SEQUENCE_STEP, SenderSequence } from './sequence.ts';

/** The input parameters of §3.2; absent optional ones take the RFC's defaults. */
export interface ContextInput {
  masterSecret: Uint8Array;
  /** Default: empty. */
  masterSalt?: Uint8Array;
  senderId: Uint8Array;
  recipientId: Uint8Array;
  /** Default: absent (nil in the info structure). */
  idContext?: Uint8Array | null;
  /** COSE AEAD algorithm; default AES-CCM-16-64-128 (10). Also A128GCM (1), ChaCha20/Poly1305 (24). */
  aeadAlg?: number;
  /** COSE HKDF algorithm; only HKDF SHA-256 (-10), the default. */
  hkdfAlg?: number;
}

/** Where and how the mutable parts live (Appendix B.1). */
export interface ContextOptions {
  storage: Storage;
  /** Storage key of this context's sequence record; unique per context. */
  storageKey: string;
  /** Sequence numbers reserved per storage write (Appendix B.1.1's K). Default 64. */
  sequenceStep?: number;
  /** Replay window size, a multiple of 32. Default 32 (§3.2.2). */
  replayWindow?: number;
  /** Name reported in SecurityInfo.contextId; default "oscore:<id context hex>:<recipient id hex>". */
  name?: string;
}

/** The derived keys and IV (exposed for the RFC vectors; contexts keep their own copies). */
export interface DerivedKeys {
  senderKey: Uint8Array;
  recipientKey: Uint8Array;
  commonIv: Uint8Array;
}

/** CBOR info = [id, id_context / nil, alg_aead, type, L] (§3.2.1). */
export function kdfInfo(id: Uint8Array, idContext: Uint8Array | null, alg: number, type: string,
  length: number): Uint8Array {
  return encode([id, idContext, alg, type, length]);
}

function checkInput(provider: CryptoProvider, input: ContextInput): number {
  if (!(input.masterSecret instanceof Uint8Array) || input.masterSecret.length === 0) {
    fail('bad_request', 'OSCORE master secret must be a non-empty byte string');
  }
  if (input.masterSalt !== undefined && !(input.masterSalt instanceof Uint8Array)) {
    fail('bad_request', 'OSCORE master salt must be a byte string');
  }
  if (!(input.senderId instanceof Uint8Array) || !(input.recipientId instanceof Uint8Array)) {
    fail('bad_request', 'OSCORE sender and recipient IDs must be byte strings');
  }
  if (input.idContext !== undefined && input.idContext !== null && !(input.idContext instanceof Uint8Array)) {
    fail('bad_request', 'OSCORE ID context must be a byte string');
  }
  const hkdf = input.hkdfAlg === undefined ? HKDF_SHA_256 : input.hkdfAlg;
  if (hkdf !== HKDF_SHA_256) fail('unsupported_algorithm', 'OSCORE HKDF algorithm ' + hkdf);
  const alg = input.aeadAlg === undefined ? DEFAULT_AEAD : input.aeadAlg;
  if (!aeadParams(alg) || !provider.supports(alg)) fail('unsupported_algorithm', 'OSCORE AEAD algorithm ' + alg);
  return alg;
}

/** Sender Key, Recipient Key and Common IV from the input parameters (§3.2.1). */
export function deriveKeys(provider: CryptoProvider, input: ContextInput): DerivedKeys {
  const alg = checkInput(provider, input);
  const params = aeadParams(alg)!;
  const salt = input.masterSalt === undefined ? new Uint8Array(0) : input.masterSalt;
  const idContext = input.idContext === undefined ? null : input.idContext;
  const derive = (id: Uint8Array, type: string, length: number): Uint8Array =>
    provider.hkdfSha256(input.masterSecret, salt, kdfInfo(id, idContext, alg, type, length), length);
  return {
    senderKey: derive(input.senderId, 'Key', params.keyLength),
    recipientKey: derive(input.recipientId, 'Key', params.keyLength),
    commonIv: derive(new Uint8Array(0), 'IV', params.nonceLength),
  };
}

/** What protecting needs: the sender half of a context. */
export class SenderContext {
  constructor(
    readonly provider: CryptoProvider,
    readonly alg: number,
    readonly id: Uint8Array,
    /** The context's ID Context, sent as 'kid context' in requests when asked to (§5.1). */
    readonly idContext: Uint8Array | null,
    /** Sender Key; never logged. */
    readonly key: Uint8Array,
    /** Common IV XOR this sender's ID part (see nonce.ts). */
    readonly nonceBase: Uint8Array,
    /** aad_array head with this sender as request_kid: for requests it sends. */
    readonly aadPrefix: Uint8Array,
    readonly sequence: SenderSequence,
  ) {}
}

/** What verifying needs: the recipient half of a context. */
export class RecipientContext {
  constructor(
    readonly provider: CryptoProvider,
    readonly alg: number,
    readonly tagLength: number,
    readonly id: Uint8Array,
    /** Recipient Key; never logged. */
    readonly key: Uint8Array,
    readonly nonceBase: Uint8Array,
    /** aad_array head with this recipient as request_kid: for requests it receives. */
    readonly aadPrefix: Uint8Array,
    readonly window: ReplayWindow,
  ) {}

  /** The Echo value this context challenges with after a reboot (RFC 9175); null when none is pending. */
  echoChallenge: Uint8Array | null = null;
}

export class SecurityContext {
  readonly name: string;
  readonly alg: number;
  readonly idContext: Uint8Array | null;
  readonly sender: SenderContext;
  readonly recipient: RecipientContext;

  constructor(provider: CryptoProvider, input: ContextInput, options: ContextOptions) {
    if (!options || !options.storage || typeof options.storageKey !== 'string' || options.storageKey === '') {
      fail('internal', 'an OSCORE context needs a storage and a storage key');
    }
    const keys = deriveKeys(provider, input);
    const alg = input.aeadAlg === undefined ? DEFAULT_AEAD : input.aeadAlg;
    const params = aeadParams(alg)!;
    this.alg = alg;
    this.idContext = input.idContext === undefined || input.idContext === null ? null : new Uint8Array(input.idContext);
    const senderId = new Uint8Array(input.senderId);
    const recipientId = new Uint8Array(input.recipientId);
    this.name = options.name !== undefined ? options.name
      : 'oscore:' + (this.idContext ? toHex(this.idContext) : '') + ':' + toHex(recipientId);
    // Everything that can refuse the input comes before the first storage write.
    const senderBase = nonceBase(keys.commonIv, senderId);
    const recipientBase = nonceBase(keys.commonIv, recipientId);
    const window = new ReplayWindow(options.replayWindow === undefined ? DEFAULT_REPLAY_WINDOW : options.replayWindow, true);
    const sequence = new SenderSequence(options.storage, options.storageKey,
      options.sequenceStep === undefined ? DEFAULT_SEQUENCE_STEP : options.sequenceStep);
    // A context that existed before this boot may have accepted requests we no longer know of.
    if (sequence.restored) window.forget();
    this.sender = new SenderContext(provider, alg, senderId, this.idContext, keys.senderKey,
      senderBase, aadPrefix(alg, senderId), sequence);
    this.recipient = new RecipientContext(provider, alg, params.tagLength, recipientId, keys.recipientKey,
      recipientBase, aadPrefix(alg, recipientId), window);
  }
}
