/**
 * The AS's table of provisioned devices, keyed by audience: the registration records that
 * `ace-provision device` / `batch` write (provisioning/record.ts), read back from their sealed
 * file form so the simulation exercises the same format the real AS would load.
 */
import type { DeviceRecord } from '../../provisioning/record.ts';
import { openRecord, sealRecord } from '../../provisioning/record.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';

export class DeviceRegistry {
  private readonly byAud = new Map<string, DeviceRecord>();

  add(record: DeviceRecord): this {
    if (this.byAud.has(record.audience)) throw new Error('audience ' + record.audience + ' registered twice');
    this.byAud.set(record.audience, record);
    return this;
  }

  get(audience: string): DeviceRecord | null {
    return this.byAud.get(audience) ?? null;
  }

  all(): DeviceRecord[] {
    return [...this.byAud.values()];
  }

  get size(): number {
    return this.byAud.size;
  }
}

/** A record through its file form (record.cbor) and back, as the AS would load it from disk. */
export function throughRecordFile(record: DeviceRecord, provider: CryptoProvider): DeviceRecord {
  const sha = (d: Uint8Array) => provider.sha256(d);
  return openRecord(sealRecord(record, sha), sha, record.id + '/record.cbor');
}
