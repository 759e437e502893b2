/**
 * A stand-in for the main site's verification API, for development: `herald dev-site` runs it so
 * that a ukey (or token) login can be tried through the real `http` verifier without the main
 * site. It speaks the contract of http-verifier.ts with its default settings: POST
 * `{ type, value, platform, ip }` → HTTP 200 with `{ code: 0, data: { uid } }` or
 * `{ code: 1001, msg }`.
 *
 * It accepts `dev:<uid>` (e.g. `dev:42` logs in as uid 42) and the credentials given in
 * `users`, as a ukey or a token alike; anyone who can reach it can log in as anyone, so it listens
 * on 127.0.0.1 by default, refuses to run in `online`, and marks every answer with
 * DEV_SITE_HEADER, which the http verifier of an `online` Herald refuses.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ConfigError } from '../errors';
import type { Environment } from '../config/environment';
import { UID_PATTERN } from '../protocol/limits';
import type { CredentialType } from './verifier';

/** Header on every answer of the dev site; an `online` Herald refuses answers that carry it. */
export const DEV_SITE_HEADER = 'x-herald-dev-site';

/** What a credential must start with to log in as the uid that follows it. */
export const DEV_CREDENTIAL_PREFIX = 'dev:';

/** Largest request body the dev site reads, in bytes (the verifier sends well under 5 KB). */
const MAX_BODY_BYTES = 16 * 1024;

export interface DevSiteOptions {
  /** Address to listen on. @default '127.0.0.1' */
  host: string;
  /** Port to listen on; 0 picks a free one. @default 9580 */
  port: number;
  /** Path of the verification URL. @default '/verify' */
  path: string;
  /** Further credentials (ukey or token) and the uid each logs in as. @default {} */
  users: Readonly<Record<string, string>>;
}

export const DEFAULT_DEV_SITE_OPTIONS: Readonly<DevSiteOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 9580,
  path: '/verify',
  users: Object.freeze({}),
});

/** One verification the dev site answered; never the credential itself. */
export interface DevSiteCall {
  type: CredentialType | 'unknown';
  platform: string;
  ip: string;
  /** The uid it logged in as; undefined when refused. */
  uid: string | undefined;
}

/** Throws a ConfigError in `online`: a site that lets anyone log in as anyone has no place there. */
export function assertDevSiteAllowed(environment: Environment): void {
  if (environment === 'online') {
    throw new ConfigError('PUSH_ENV', 'online refuses herald dev-site (it lets anyone log in as any uid); use the main site\'s verification URL');
  }
}

/** The uid a credential logs in as at the dev site, or undefined. */
export function devSiteUid(value: string, users: Readonly<Record<string, string>>): string | undefined {
  if (Object.prototype.hasOwnProperty.call(users, value)) return users[value];
  if (!value.startsWith(DEV_CREDENTIAL_PREFIX)) return undefined;
  const uid = value.slice(DEV_CREDENTIAL_PREFIX.length);
  return UID_PATTERN.test(uid) ? uid : undefined;
}

export class DevSite {
  readonly options: Readonly<DevSiteOptions>;
  private server: Server | undefined;
  /** The verification URL once started, e.g. `http://127.0.0.1:9580/verify`. */
  url = '';

  constructor(
    options: Partial<DevSiteOptions> = {},
    private readonly onCall: (call: DevSiteCall) => void = () => {},
  ) {
    this.options = { ...DEFAULT_DEV_SITE_OPTIONS, ...options };
    for (const [credential, uid] of Object.entries(this.options.users)) {
      if (!UID_PATTERN.test(uid)) throw new ConfigError(`dev-site user ${JSON.stringify(credential.slice(0, 16))}`, `uid must match ${UID_PATTERN.source}`);
    }
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.options.port;
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    this.url = `http://${host}:${port}${this.options.path}`;
    return this.url;
  }

  /** Stops listening and drops open connections; safe to call twice. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader(DEV_SITE_HEADER, '1');
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== this.options.path) {
      answer(res, 404, { code: 404, msg: `POST ${this.options.path} only` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        // Read to the end either way: leaving the loop early would destroy the request's socket.
        if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
      }
    } catch {
      return; // the client went away
    }
    if (size > MAX_BODY_BYTES) {
      answer(res, 413, { code: 413, msg: 'body too large' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      answer(res, 400, { code: 400, msg: 'body is not JSON' });
      return;
    }
    const { type, value, platform, ip } = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (typeof value !== 'string') {
      answer(res, 400, { code: 400, msg: 'value must be a string' });
      return;
    }
    const credentialType = type === 'ukey' || type === 'token' ? type : 'unknown';
    const uid = credentialType === 'unknown' ? undefined : devSiteUid(value, this.options.users);
    this.onCall({ type: credentialType, platform: typeof platform === 'string' ? platform : '', ip: typeof ip === 'string' ? ip : '', uid });
    if (uid === undefined) {
      answer(res, 200, { code: 1001, msg: `unknown ${credentialType === 'unknown' ? 'credential' : credentialType} (the dev site accepts ${DEV_CREDENTIAL_PREFIX}<uid>)` });
      return;
    }
    answer(res, 200, { code: 0, data: { uid } });
  }
}

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
