/**
 * The AS's accounts: the people who log in through an app, and the registered clients. A
 * phone app is a public client (RFC 6749 §2.1): it holds no secret, so it gets tokens with the
 * authorization code grant and PKCE; a machine is a confidential client with a secret and the
 * client credentials grant. Passwords and secrets are kept as SHA-256 digests and compared in
 * constant time (a real AS would use a password hash; the simulation needs only the shape).
 */
import { constantTimeEqual, utf8Encode } from '../../device/codec/bytes.ts';

export interface ClientRegistration {
  id: string;
  type: 'public' | 'confidential';
  /** Where the authorization response may go (public clients). */
  redirectUris: string[];
}

type Sha256 = (d: Uint8Array) => Uint8Array;

export class Directory {
  private readonly users = new Map<string, Uint8Array>();
  private readonly clients = new Map<string, { reg: ClientRegistration; secret: Uint8Array | null }>();

  constructor(private readonly sha256: Sha256) {}

  addUser(name: string, password: string): this {
    this.users.set(name, this.sha256(utf8Encode(password)));
    return this;
  }

  /** A confidential client needs `secret`; a public one must not have one. */
  addClient(reg: ClientRegistration, secret?: string): this {
    if ((reg.type === 'confidential') !== (secret !== undefined)) throw new Error('only confidential clients have a secret');
    this.clients.set(reg.id, { reg, secret: secret === undefined ? null : this.sha256(utf8Encode(secret)) });
    return this;
  }

  client(id: unknown): ClientRegistration | null {
    return typeof id === 'string' ? this.clients.get(id)?.reg ?? null : null;
  }

  checkUser(name: unknown, password: unknown): boolean {
    if (typeof name !== 'string' || typeof password !== 'string') return false;
    const stored = this.users.get(name);
    const given = this.sha256(utf8Encode(password));
    return stored !== undefined && constantTimeEqual(stored, given);
  }

  checkSecret(id: string, secret: unknown): boolean {
    const c = this.clients.get(id);
    if (c === undefined || c.secret === null || typeof secret !== 'string') return false;
    return constantTimeEqual(c.secret, this.sha256(utf8Encode(secret)));
  }
}
