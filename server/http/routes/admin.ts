/**
 * The admin API under /api/v1/admin/, what the dashboard (/admin) calls. Every route takes an
 * admin session cookie (with the CSRF header on POST) or an API key (admin-guard.ts). Pushes and
 * kicks run the very handlers of /api/v1/push and /api/v1/kick; process, task and cron data and
 * actions are the CLI's commands, run by this host's primary (only the allowlisted ones: never
 * `stop`, `reload` or `process kill`).
 */
import { z } from 'zod';
import type {
  AdminCronAnswer,
  AdminLoginAnswer,
  AdminLoginMethodsAnswer,
  AdminSessionAnswer,
  AdminUserAnswer,
  OverviewHead,
  RecentMessages,
  Section,
} from '../../../shared/control/admin-answers';
import { toErrorBody } from '../../../shared/errors';
import { UidSchema } from '../../../shared/protocol';
import { OVERVIEW_SECTIONS } from '../../../shared/control/contract';
import { TARGET_FORMS } from '../../../shared/protocol/push-targets';
import { CSRF_HEADER, type AdminCaller, type AdminGuard } from '../admin/admin-guard';
import { readJsonBody } from '../body';
import type { ApiRequest, ApiResponse, Method, Route } from '../router';
import { parseOrBadRequest } from '../validate';
import type { RouteDeps } from './deps';
import { pushRoute } from './push';
import { kickRoute, messageJson, onlineJson } from './users';

/** Recent durable messages the user look-up shows. */
const RECENT_MESSAGES = 20;
/** Largest login body, bytes. */
const LOGIN_MAX_BYTES = 4096;

const CronActionSchema = z.enum(['stop', 'resume', 'run']);
const CronBodySchema = z.object({ name: z.string().min(1).max(64) }).strict();

export function adminRoutes(deps: RouteDeps, guard: AdminGuard): Route[] {
  const { config, cluster } = deps;
  const push = pushRoute(deps);
  const kick = kickRoute(deps);

  /**
   * A route behind the guard; POST routes change state (CSRF checked for sessions). The body is
   * read only once the caller is known, so a stranger learns nothing but 401.
   */
  const guarded = (
    method: Method,
    pattern: string,
    name: string,
    handle: (req: ApiRequest, caller: AdminCaller) => Promise<ApiResponse> | ApiResponse,
    options: { body?: boolean } = {},
  ): Route => ({
    method,
    pattern,
    name,
    auth: 'admin',
    handle: async (req) => {
      const caller = await guard.authenticate(req, method === 'POST');
      req.keyId = caller.id;
      if (options.body === true) req.body = await readJsonBody(req.raw, config.push.maxBodyBytes);
      return handle(req, caller);
    },
  });

  /** The section of the overview a command fills, or its error: one failing part (cron down) leaves the others. */
  const section = async <T>(result: Promise<T>): Promise<Section<T>> => {
    try {
      return { ok: true, result: await result };
    } catch (err) {
      return { ok: false, error: toErrorBody(err) };
    }
  };

  return [
    {
      // Open: the login form asks which credentials to offer. It tells no secret, only whether an
      // admin password and API keys exist (as the error of a wrong attempt would).
      method: 'GET',
      pattern: '/api/v1/admin/login',
      name: 'admin.login-methods',
      auth: 'admin',
      handle: () => ({ status: 200, json: { ok: true, methods: guard.loginMethods() } satisfies AdminLoginMethodsAnswer }),
    },
    {
      method: 'POST',
      pattern: '/api/v1/admin/login',
      name: 'admin.login',
      auth: 'admin',
      handle: async (req) => {
        await guard.admitLogin(req);
        const { issued, cookie } = guard.login(req, await readJsonBody(req.raw, LOGIN_MAX_BYTES));
        return {
          status: 200,
          json: { ok: true, via: issued.session.via, expiresAt: issued.session.exp, csrf: issued.csrf } satisfies AdminLoginAnswer,
          headers: { 'set-cookie': cookie },
        };
      },
    },
    guarded('POST', '/api/v1/admin/logout', 'admin.logout', async (req, caller) => {
      await guard.logout(caller);
      return { status: 200, json: { ok: true }, headers: { 'set-cookie': guard.logoutCookie(req) } };
    }),
    guarded('GET', '/api/v1/admin/session', 'admin.session', (_req, caller) => ({
      status: 200,
      json: {
        ok: true,
        via: caller.kind === 'session' ? caller.session.via : caller.id,
        expiresAt: caller.kind === 'session' ? caller.session.exp : null,
        // Only a cookie session needs it; the page reads it here, a cross-site page cannot.
        csrf: caller.kind === 'session' ? guard.sessions.csrfToken(caller.session) : null,
        csrfHeader: CSRF_HEADER,
        hostId: config.hostId,
        env: config.env,
        console: config.console.enabled,
        pushTargets: TARGET_FORMS,
      } satisfies AdminSessionAnswer,
    })),
    guarded('GET', '/api/v1/admin/overview', 'admin.overview', async () => {
      const [stats, history, sections] = await Promise.all([
        // Without the primary's stats the page shows no hosts; the other parts still show.
        cluster.stats().catch(() => ({ hosts: [] })),
        cluster.history().catch(() => []),
        // One section per admin command the contract marks `overview` (processes, tasks, cron).
        Promise.all(OVERVIEW_SECTIONS.map(async ({ key, command }) => [key, await section(cluster.control(command, {}))] as const)),
      ]);
      const head: OverviewHead = { ok: true, hostId: config.hostId, at: deps.clock.now(), stats, history };
      return { status: 200, json: { ...head, ...Object.fromEntries(sections) } };
    }),
    guarded('POST', '/api/v1/admin/crontab/:action', 'admin.crontab', async (req) => {
      const action = parseOrBadRequest(CronActionSchema, req.params.action, 'action: ');
      const { name } = parseOrBadRequest(CronBodySchema, req.body);
      const result = await cluster.control(`crontab.${action}`, { name });
      deps.logger.info('cron job changed through the admin API', { job: name, action, by: req.keyId });
      return { status: 200, json: { ok: true, ...result } satisfies AdminCronAnswer };
    }, { body: true }),
    guarded('POST', '/api/v1/admin/push', 'admin.push', (req) => push.handle(req), { body: true }),
    guarded('POST', '/api/v1/admin/kick', 'admin.kick', (req) => kick.handle(req), { body: true }),
    guarded('GET', '/api/v1/admin/users/:uid', 'admin.user', async (req) => {
      const uid = parseOrBadRequest(UidSchema, req.params.uid, 'uid: ');
      const entries = await deps.presence.list(uid);
      let messages: RecentMessages;
      if (deps.store === undefined) {
        messages = { ok: false, error: { code: 'STORE_UNAVAILABLE', message: 'durable delivery is off on this host' } };
      } else {
        try {
          // The newest ones (replay picks the newest `limit` past seq 0), ascending by seq.
          const recent = await deps.store.replay(uid, 0, RECENT_MESSAGES, deps.clock.now());
          messages = {
            ok: true,
            truncated: recent.truncated,
            rows: recent.messages.map(messageJson),
          };
        } catch (err) {
          messages = { ok: false, error: toErrorBody(err) };
        }
      }
      return { status: 200, json: { ...onlineJson(uid, entries), messages } satisfies AdminUserAnswer };
    }),
  ];
}
