import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * API keys, compared in constant time through their SHA-256 digests. The key itself is never
 * kept beyond start-up or logged; rate limits and logs use a short id derived from the digest.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map((key) => digest(key));
  }

  /** The key's id (first 8 hex characters of its digest) when valid, else undefined. */
  check(authorization: string | undefined): string | undefined {
    if (authorization === undefined) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) return undefined;
    const candidate = digest(match[1] as string);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(known, candidate) || found;
    return found ? candidate.toString('hex').slice(0, 8) : undefined;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
