/**
 * The connection address from `GET /api/v1/endpoint`, cached for the answer's `ttl` (the seed's
 * 5-10 minutes) in memory and in storage (localStorage in a browser, so a reload does not ask
 * again). Dropped after `failed`: the host it named may be gone, and the next look-up may name
 * another (the least-loaded healthy host).
 */
import type { Clock } from './clock';
import type { SafeStorage } from './storage';

/** The endpoint answer as the SDK uses it. */
export interface EndpointInfo {
  /** The Socket.IO URL, e.g. `wss://push.example.com`. */
  url: string;
  /** Socket.IO path. @default '/socket.io' */
  path?: string;
  /** Transports in the order to try. */
  transports?: ('websocket' | 'polling')[];
  /** Seconds the answer may be cached. */
  ttl: number;
  /** The server's connection policy, merged over the SDK's defaults (untrusted until merged). */
  policy?: unknown;
}

interface CachedEndpoint {
  /** Milliseconds since the epoch (the SDK's clock) when the answer goes stale. */
  expiresAt: number;
  info: EndpointInfo;
}

export class EndpointError extends Error {
  override readonly name = 'EndpointError';
}

const TRANSPORTS = new Set(['websocket', 'polling']);

/** Checks the answer's shape; throws `EndpointError` naming the bad field. */
export function parseEndpointAnswer(body: unknown): EndpointInfo {
  if (typeof body !== 'object' || body === null) throw new EndpointError('endpoint answer is not an object');
  const answer = body as Record<string, unknown>;
  if (answer.ok !== true) {
    const error = answer.error as { code?: unknown; message?: unknown } | undefined;
    throw new EndpointError(`endpoint answered an error: ${String(error?.code ?? 'unknown')} ${String(error?.message ?? '')}`.trim());
  }
  if (typeof answer.url !== 'string' || answer.url === '') throw new EndpointError('endpoint answer: url missing');
  if (typeof answer.ttl !== 'number' || !Number.isFinite(answer.ttl) || answer.ttl < 0) {
    throw new EndpointError('endpoint answer: ttl missing');
  }
  const info: EndpointInfo = { url: answer.url, ttl: answer.ttl, policy: answer.policy };
  if (typeof answer.path === 'string' && answer.path !== '') info.path = answer.path;
  if (Array.isArray(answer.transports)) {
    const transports = answer.transports.filter((t): t is 'websocket' | 'polling' => TRANSPORTS.has(t as string));
    if (transports.length > 0) info.transports = transports;
  }
  return info;
}

export interface EndpointCacheOptions {
  /** The `/api/v1/endpoint` URL. */
  endpoint: string;
  clock: Clock;
  storage: SafeStorage;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

export class EndpointCache {
  private memory: CachedEndpoint | null = null;
  private readonly key: string;

  constructor(private readonly options: EndpointCacheOptions) {
    this.key = `endpoint:${options.endpoint}`;
  }

  /** The fresh cached answer, if any (memory first, then storage). */
  cached(): EndpointInfo | null {
    const now = this.options.clock.now();
    if (this.memory !== null && this.memory.expiresAt > now) return this.memory.info;
    this.memory = null;
    const stored = this.options.storage.get(this.key);
    if (stored === null) return null;
    try {
      const entry = JSON.parse(stored) as CachedEndpoint;
      if (typeof entry.expiresAt === 'number' && entry.expiresAt > now) {
        const info = parseEndpointAnswer({ ok: true, ...entry.info });
        this.memory = { expiresAt: entry.expiresAt, info };
        return info;
      }
    } catch {
      // unreadable entry: fetch again
    }
    this.options.storage.remove(this.key);
    return null;
  }

  /** The cached answer while fresh, else a new look-up (which is then cached). */
  async get(signal?: AbortSignal): Promise<EndpointInfo> {
    const cached = this.cached();
    if (cached !== null) return cached;
    const fetchImpl = this.options.fetch ?? globalThis.fetch;
    const response = await fetchImpl(this.options.endpoint, { headers: { accept: 'application/json' }, signal });
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new EndpointError(`endpoint answered HTTP ${response.status} without JSON`);
    }
    const info = parseEndpointAnswer(body);
    const entry: CachedEndpoint = { expiresAt: this.options.clock.now() + info.ttl * 1000, info };
    this.memory = entry;
    this.options.storage.set(this.key, JSON.stringify(entry));
    return info;
  }

  /** Forgets the answer (after `failed`). */
  drop(): void {
    this.memory = null;
    this.options.storage.remove(this.key);
  }
}
