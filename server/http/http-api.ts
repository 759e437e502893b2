/**
 * The HTTP side of a worker: every request that is not Socket.IO's. It matches the route, checks
 * the API key and its rate limit, reads and parses the JSON body within limits, calls the route,
 * and writes JSON — errors in the catalog's shape `{ ok: false, error: { code, message } }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../shared/clock';
import type { HeraldConfig } from '../../shared/config';
import { ERROR_CATALOG, HeraldError, toErrorBody } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { Metrics } from '../metrics';
import type { ApiKeyGate } from './api-keys';
import { readJsonBody, RequestAbortedError } from './body';
import { clientAddress } from './client-address';
import { parseRequestTarget, type RequestTarget } from './request-target';
import { Router, type ApiRequest, type ApiResponse, type Method, type Route } from './router';

export interface HttpApiDeps {
  config: HeraldConfig;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  routes: readonly Route[];
  /** Shared with the admin routes: one rate limit per key. */
  apiKeys: ApiKeyGate;
}

export class HttpApi {
  private readonly router = new Router();
  private readonly trusted: ReadonlySet<string>;
  private readonly corsAny: boolean;
  private readonly corsOrigins: ReadonlySet<string>;

  constructor(private readonly deps: HttpApiDeps) {
    for (const route of deps.routes) this.router.add(route);
    this.trusted = new Set(deps.config.trustedProxies);
    this.corsAny = deps.config.cors.origins.includes('*');
    this.corsOrigins = new Set(deps.config.cors.origins);
  }

  /** Whether a browser origin may connect and call public routes. */
  originAllowed(origin: string | undefined): boolean {
    return origin === undefined || this.corsAny || this.corsOrigins.has(origin);
  }

  clientIp(req: IncomingMessage): string {
    return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.trusted);
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.serve(req, res);
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let routeName = 'unmatched';
    let response: ApiResponse;
    try {
      const target = parseRequestTarget(req.url);
      const method = (req.method ?? 'GET').toUpperCase();
      if (method === 'OPTIONS') {
        response = this.preflight(req);
      } else {
        const match = this.router.match(method, target.path);
        if (match === undefined) throw new HeraldError('NOT_FOUND', `no route ${method} ${target.path}`);
        if ('methodNotAllowed' in match) {
          response = errorResponse(new HeraldError('METHOD_NOT_ALLOWED', `use ${match.methodNotAllowed.join(' or ')}`));
          response.headers = { allow: match.methodNotAllowed.join(', ') };
        } else {
          routeName = match.route.name;
          response = await this.run(match.route, match.params, method as Method, target, req);
        }
      }
    } catch (err) {
      if (err instanceof RequestAbortedError) {
        // The client left mid-upload: nothing to answer, nothing wrong with Herald.
        this.deps.logger.debug('client aborted a request', { route: routeName, ip: this.clientIp(req) });
        this.deps.metrics.apiRequests.inc({ route: routeName, status: 'aborted' });
        if (!res.destroyed) res.destroy();
        return;
      }
      if (!(err instanceof HeraldError)) {
        this.deps.logger.error('HTTP handler failed', { route: routeName, error: (err as Error)?.stack ?? String(err) });
      }
      response = errorResponse(err);
    }
    this.deps.metrics.apiRequests.inc({ route: routeName, status: String(response.status) });
    this.write(req, res, response);
  }

  private async run(route: Route, params: Record<string, string>, method: Method, target: RequestTarget, req: IncomingMessage): Promise<ApiResponse> {
    const request: ApiRequest = { method, path: target.path, params, query: target.query, headers: req.headers, ip: this.clientIp(req), raw: req };
    if (route.auth === 'api-key') request.keyId = this.deps.apiKeys.admit(req.headers.authorization, request.ip);
    if (route.body === true) request.body = await readJsonBody(req, route.maxBodyBytes ?? this.deps.config.push.maxBodyBytes);
    const response = await route.handle(request);
    if (route.auth === 'public') response.headers = { ...this.corsHeaders(req), ...response.headers };
    return response;
  }

  private preflight(req: IncomingMessage): ApiResponse {
    return { status: 204, headers: { ...this.corsHeaders(req), 'access-control-allow-methods': 'GET, OPTIONS', 'access-control-max-age': '600' } };
  }

  private corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined || !this.originAllowed(origin)) return {};
    return { 'access-control-allow-origin': this.corsAny ? '*' : origin, vary: 'Origin' };
  }

  private write(req: IncomingMessage, res: ServerResponse, response: ApiResponse): void {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string | number> = { 'cache-control': 'no-store', ...response.headers };
    let body: string | Buffer | undefined;
    if (response.text !== undefined) {
      body = response.text;
      headers['content-type'] = response.contentType ?? 'text/plain; charset=utf-8';
    } else if (response.json !== undefined) {
      body = JSON.stringify(response.json);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const retryAfter = (response.json as { error?: { retryAfter?: number } } | undefined)?.error?.retryAfter;
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    res.writeHead(response.status, headers);
    // Drain an unread request body (an early 401/413) so the connection closes cleanly.
    if (!req.complete) req.resume();
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

export function errorResponse(err: unknown): ApiResponse {
  const body = toErrorBody(err);
  return { status: ERROR_CATALOG[body.code].status, json: { ok: false, error: body } };
}
