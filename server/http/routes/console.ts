/**
 * The pages: the test tool at /console (on in `local`; elsewhere only with `console.enabled`, and
 * then behind the admin login), the dashboard at /admin (`admin.enabled`), and their scripts and
 * styles under /console/assets/. The pages hold no data and no secret: they fetch what they show.
 */
import { HeraldError } from '../../../shared/errors';
import type { AdminGuard } from '../admin/admin-guard';
import { ConsoleFiles } from '../admin/console-files';
import type { Route } from '../router';
import type { RouteDeps } from './deps';

export function consoleRoutes(deps: RouteDeps, guard: AdminGuard): Route[] {
  const { config } = deps;
  const files = new ConsoleFiles();
  const consoleOpen = config.env === 'local';
  return [
    {
      method: 'GET',
      pattern: '/console',
      name: 'console',
      auth: 'public',
      handle: async (req) => {
        if (!config.console.enabled) throw new HeraldError('NOT_FOUND', 'the console is off (console.enabled)');
        if (!consoleOpen && (await guard.sessionOf(req)) === undefined) {
          if (!config.admin.enabled) throw new HeraldError('NOT_FOUND', `outside local the console needs the admin login (admin.enabled)`);
          return { status: 303, headers: { location: '/admin?next=console' }, text: 'log in at /admin first\n' };
        }
        return files.page('console');
      },
    },
    {
      method: 'GET',
      pattern: '/admin',
      name: 'admin',
      auth: 'public',
      handle: () => {
        if (!config.admin.enabled) throw new HeraldError('NOT_FOUND', 'the dashboard is off (admin.enabled)');
        return files.page('admin');
      },
    },
    {
      method: 'GET',
      pattern: '/console/assets/:file',
      name: 'console.assets',
      auth: 'public',
      handle: (req) => {
        if (!config.console.enabled && !config.admin.enabled) throw new HeraldError('NOT_FOUND', 'the console and the dashboard are off');
        const etag = req.headers['if-none-match'];
        return files.asset(req.params.file ?? '', Array.isArray(etag) ? etag[0] : etag);
      },
    },
  ];
}
