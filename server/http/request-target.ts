/**
 * The path of a request target, read strictly. A proxy in front of Herald filters by path
 * (deploy/nginx: `location = /metrics { deny all; }`), so Herald must read the same path the proxy
 * matched, and nothing a proxy would read differently:
 *
 * - Only origin-form targets (`/path?query`, RFC 9112 §3.2.1) with exactly one leading slash.
 *   `new URL('//x/metrics', base)` reads host `x` and path `/metrics`, and WHATWG URL turns `\`
 *   into `/` (`/\x/metrics` is the same), so `//x/metrics` reached the metrics route while nginx
 *   saw a path that is not `/metrics`. Absolute-form (`http://h/metrics`) and asterisk-form
 *   (`*`) targets are refused as well: Herald is not a forward proxy.
 * - No dot segments, plain or percent-encoded (`/api/%2e%2e/metrics`): URL parsing removes them,
 *   and a proxy may or may not.
 * - No backslash, no control character, no `#`.
 *
 * The path is returned as sent (percent-escapes kept), and routes match it exactly: `/metrics/`
 * or `/%2Fmetrics` is not `/metrics` (router.ts).
 */
import { HeraldError } from '../../shared/errors';

/** One segment that is `.` or `..`, in any mix of plain and `%2e`/`%2E`. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;
/** Printable ASCII but `\` and `#` (a fragment is never sent). */
const ALLOWED = /^[\x21-\x7e]*$/;

export interface RequestTarget {
  /** The path as sent, starting with exactly one `/`. */
  path: string;
  query: URLSearchParams;
}

/** Splits an origin-form target; BAD_REQUEST for anything else. */
export function parseRequestTarget(target: string | undefined): RequestTarget {
  const raw = target ?? '';
  if (!raw.startsWith('/') || raw.startsWith('//')) {
    throw new HeraldError('BAD_REQUEST', 'the request target must be a path with one leading slash');
  }
  if (!ALLOWED.test(raw) || raw.includes('\\') || raw.includes('#')) {
    throw new HeraldError('BAD_REQUEST', 'the request target holds a character a path may not hold');
  }
  const queryAt = raw.indexOf('?');
  const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    throw new HeraldError('BAD_REQUEST', 'the request path may not hold `.` or `..` segments');
  }
  return { path, query: new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1)) };
}
