import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeraldError } from '../../../shared/errors';
import { packageRoot } from '../../../shared/paths';
import type { ApiResponse, Route } from '../router';

interface StaticFile {
  body: Buffer;
  etag: string;
}

/**
 * Files under /sdk/, all from dist/sdk (built by `npm run build`): the browser SDK bundle and the
 * example page (client/example/index.html, copied there by client/build.mjs).
 */
const FILES: Readonly<Record<string, string>> = {
  'herald.js': 'text/javascript; charset=utf-8',
  'herald.js.map': 'application/json; charset=utf-8',
  'example.html': 'text/html; charset=utf-8',
};

/**
 * GET /sdk/herald.js: the client SDK as one ES module, so a page needs no CDN; and
 * GET /sdk/example.html: a page that uses it (log in with a token, log pushes).
 */
export function sdkRoute(): Route {
  const cache = new Map<string, StaticFile>();
  const load = (name: string): StaticFile => {
    let file = cache.get(name);
    if (file === undefined) {
      let body: Buffer;
      try {
        body = readFileSync(join(packageRoot(), 'dist', 'sdk', name));
      } catch {
        throw new HeraldError('NOT_FOUND', `the SDK bundle is not built (run npm run build): ${name}`);
      }
      file = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
      cache.set(name, file);
    }
    return file;
  };
  return {
    method: 'GET',
    pattern: '/sdk/:file',
    name: 'sdk',
    auth: 'public',
    handle: (req): ApiResponse => {
      const name = req.params.file ?? '';
      const contentType = FILES[name];
      if (contentType === undefined) throw new HeraldError('NOT_FOUND', `no SDK file ${name}`);
      const file = load(name);
      const headers = { etag: file.etag, 'cache-control': 'public, max-age=300' };
      if (req.headers['if-none-match'] === file.etag) return { status: 304, headers };
      return { status: 200, text: file.body, contentType, headers };
    },
  };
}
