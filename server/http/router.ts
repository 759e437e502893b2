/**
 * A small route table: `GET /api/v1/online/:uid`-style patterns, a handler per route, and
 * whether the route needs an API key. No framework: the API is a handful of JSON routes.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export type Method = 'GET' | 'POST';

export interface ApiRequest {
  method: Method;
  path: string;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  ip: string;
  /** Present on API-key routes: the key's short id. */
  keyId?: string;
  raw: IncomingMessage;
  /** Parsed JSON body (POST routes with `body: true`). */
  body?: unknown;
}

export interface ApiResponse {
  status: number;
  /** JSON body; or `text` with a content type. */
  json?: unknown;
  text?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: Method;
  /** Path pattern with `:name` segments. */
  pattern: string;
  /** Name for metrics and logs, e.g. `push`. */
  name: string;
  /**
   * `api-key`: checked here, before the handler. `public`: open, with CORS headers for allowed
   * origins. `admin`: the admin guard in the handler checks the key or session; no CORS headers,
   * so no other site's page can read an answer.
   */
  auth: 'api-key' | 'public' | 'admin';
  /** Read a JSON body before calling the handler. */
  body?: boolean;
  /** Largest body of this route, in bytes. @default config push.maxBodyBytes */
  maxBodyBytes?: number;
  handle(req: ApiRequest): Promise<ApiResponse> | ApiResponse;
}

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { methodNotAllowed: Method[] } | undefined;

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(route: Route): this {
    const names: string[] = [];
    const source = route.pattern
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    // Exact: no optional trailing slash. A proxy that guards `/metrics` must not be bypassed by
    // `/metrics/` (request-target.ts).
    this.routes.push({ route, regex: new RegExp(`^${source}$`), names });
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const allowed: Method[] = [];
    for (const { route, regex, names } of this.routes) {
      const m = regex.exec(path);
      if (m === null) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] as string);
      });
      return { route, params };
    }
    return allowed.length > 0 ? { methodNotAllowed: allowed } : undefined;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
