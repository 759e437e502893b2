/**
 * What `herald server start` prints once the host listens (in the foreground and with -d): the
 * URLs it serves, and in `local` the public development API key and the command that mints a
 * login token, so that a first run needs no document to find its way.
 */
import { LOCAL_API_KEY, type HeraldConfig } from '../../shared/config';
import { hostUrls } from '../primary/host-urls';
import { formatItems } from './table';

/** The uid the printed token command uses. */
const EXAMPLE_UID = '42';

export function startBanner(config: HeraldConfig, port: number, cliName: string): string {
  const urls = hostUrls(config, port);
  const head = urls.wildcard !== undefined
    ? `Herald is listening on every address (${urls.wildcard}), port ${port}, env ${config.env}; from this machine:`
    : `Herald is listening on ${urls.base}, env ${config.env}:`;
  const items: [string, string][] = urls.pages.map((p) => [p.label, p.note !== undefined ? `${p.url}   (${p.note})` : p.url]);
  if (config.env === 'local') {
    if (config.apiKeys.includes(LOCAL_API_KEY)) items.push(['dev API key', `${LOCAL_API_KEY}   (public: Authorization: Bearer …, and the dashboard login)`]);
    if (config.auth.verifier === 'jwt' && config.auth.jwt.algorithm === 'HS256') items.push(['login token', `${cliName} token --uid ${EXAMPLE_UID}`]);
  }
  const body = formatItems(items)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `${head}\n${body}`;
}
