/** Every crypto provider, so each layer's tests run against all of them. */
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import type { BlockEncrypt } from '../../device/crypto/ccm.ts';
import { nobleAesBlock, nobleProvider } from '../../device/crypto/noble/provider.ts';
import { nodeAesBlock, nodeProvider } from '../../device/crypto/node/provider.ts';
import { espruinoAesBlock } from '../../device/crypto/espruino/provider.ts';
import { espruinoCryptoShim } from '../espruino/espruino-crypto-shim.ts';

export const PROVIDERS: CryptoProvider[] = [nobleProvider(), nodeProvider()];

/** Each provider's raw AES-128 block, by provider name, to drive ccm.ts directly. */
export const AES_BLOCKS: { [provider: string]: (key: Uint8Array) => BlockEncrypt } = {
  noble: nobleAesBlock,
  node: nodeAesBlock,
  espruino: (key: Uint8Array) => espruinoAesBlock(espruinoCryptoShim, key),
};
