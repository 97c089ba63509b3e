/**
 * Rate limiting of /authz-info (RFC 9200 §5.10.1.2: an RS SHOULD limit token submissions).
 * Verifying a token costs a signature check; a flood of posts must not starve the device.
 * Token buckets on the monotonic clock: one per peer (a bounded table, least recently seen
 * forgotten first) and one for the whole device, so one noisy peer is throttled alone and
 * many peers together cannot exceed the device's budget.
 */

export interface LimiterOptions {
  now: () => number;
  /** Posts a single peer may make in a burst; default 5. */
  peerBurst?: number;
  /** Posts per second a single peer regains; default 0.5. */
  peerRate?: number;
  /** Posts the whole device takes in a burst; default 20. */
  totalBurst?: number;
  /** Posts per second the device regains; default 5. */
  totalRate?: number;
  /** Peers tracked at most; default 32. */
  maxPeers?: number;
}

class Bucket {
  constructor(public tokens: number, public at: number) {}

  take(now: number, burst: number, rate: number): boolean {
    this.tokens = Math.min(burst, this.tokens + ((now - this.at) / 1000) * rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until one token is back (for Max-Age). */
  waitSeconds(rate: number): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / rate));
  }
}

export class PostLimiter {
  private readonly peers: { [peer: string]: Bucket } = {};
  private readonly order: string[] = [];
  private readonly total: Bucket;
  private readonly peerBurst: number;
  private readonly peerRate: number;
  private readonly totalBurst: number;
  private readonly totalRate: number;
  private readonly maxPeers: number;

  constructor(private readonly options: LimiterOptions) {
    this.peerBurst = options.peerBurst || 5;
    this.peerRate = options.peerRate || 0.5;
    this.totalBurst = options.totalBurst || 20;
    this.totalRate = options.totalRate || 5;
    this.maxPeers = options.maxPeers || 32;
    this.total = new Bucket(this.totalBurst, options.now());
  }

  /** 0 when the post may go ahead, else the seconds the peer should wait. */
  admit(peer: string): number {
    const now = this.options.now();
    let bucket = this.peers['p' + peer];
    if (!bucket) {
      if (this.order.length >= this.maxPeers) delete this.peers['p' + this.order.shift()];
      bucket = new Bucket(this.peerBurst, now);
      this.peers['p' + peer] = bucket;
    } else {
      this.order.splice(this.order.indexOf(peer), 1);
    }
    this.order.push(peer);
    if (!bucket.take(now, this.peerBurst, this.peerRate)) return bucket.waitSeconds(this.peerRate);
    if (!this.total.take(now, this.totalBurst, this.totalRate)) return this.total.waitSeconds(this.totalRate);
    return 0;
  }
}
