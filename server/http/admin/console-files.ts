/**
 * The console's and dashboard's files, built by `console/build.mjs` into `dist/console/` (part of
 * `npm run build`) and served by Herald itself: no CDN, nothing from elsewhere.
 *
 * Pages go out with a Content-Security-Policy that allows scripts, styles and images from Herald
 * only, no inline script and no framing; the dashboard may only talk to Herald, the test tool also
 * to whatever Herald endpoint the user types in.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeraldError } from '../../../shared/errors';
import { packageRoot } from '../../../shared/paths';
import type { ApiResponse } from '../router';

export type PageName = 'console' | 'admin';

/** Files under /console/assets/, by name, with their content type. */
export const CONSOLE_ASSETS: Readonly<Record<string, string>> = {
  'console.js': 'text/javascript; charset=utf-8',
  'admin.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

const PAGE_FILES: Readonly<Record<PageName, string>> = { console: 'console.html', admin: 'admin.html' };

const BASE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/** The Content-Security-Policy of each page. */
export const PAGE_POLICIES: Readonly<Record<PageName, string>> = {
  admin: [...BASE_POLICY, "connect-src 'self'"].join('; '),
  // The test tool connects to any Herald the user names (endpoint look-up, long-polling, websocket).
  console: [...BASE_POLICY, "connect-src 'self' http: https: ws: wss:"].join('; '),
};

interface LoadedFile {
  body: Buffer;
  etag: string;
}

export class ConsoleFiles {
  private readonly loaded = new Map<string, LoadedFile>();

  constructor(private readonly dir = join(packageRoot(), 'dist', 'console')) {}

  page(name: PageName): ApiResponse {
    const file = this.file(PAGE_FILES[name]);
    return {
      status: 200,
      text: file.body,
      contentType: 'text/html; charset=utf-8',
      headers: {
        'content-security-policy': PAGE_POLICIES[name],
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      },
    };
  }

  asset(name: string, ifNoneMatch: string | undefined): ApiResponse {
    // Own keys only: `constructor` or `toString` are not assets.
    const contentType = Object.hasOwn(CONSOLE_ASSETS, name) ? CONSOLE_ASSETS[name] : undefined;
    if (contentType === undefined) throw new HeraldError('NOT_FOUND', `no console asset ${name}`);
    const file = this.file(name);
    const headers = { etag: file.etag, 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' };
    if (ifNoneMatch === file.etag) return { status: 304, headers };
    return { status: 200, text: file.body, contentType, headers };
  }

  private file(name: string): LoadedFile {
    let file = this.loaded.get(name);
    if (file === undefined) {
      let body: Buffer;
      try {
        body = readFileSync(join(this.dir, name));
      } catch {
        throw new HeraldError('NOT_FOUND', `the console is not built (run npm run build): ${name}`);
      }
      file = { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` };
      this.loaded.set(name, file);
    }
    return file;
  }
}
