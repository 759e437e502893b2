/**
 * Where a host can be reached from this machine, and what it serves there: the start banner
 * (server/cli/start-banner.ts) and the primary's "listening" log line print these.
 */
import type { HeraldConfig } from '../../shared/config';

export interface HostPage {
  /** What it is, e.g. `dashboard`. */
  label: string;
  url: string;
  /** How to get in, when it is not open. */
  note?: string;
}

export interface HostUrls {
  /** `http(s)://host:port`, with an address this machine can open. */
  base: string;
  /** Set when the host listens on every address: the base uses a loopback name instead. */
  wildcard?: string;
  pages: HostPage[];
}

/** Addresses that mean "every interface", and the name this machine reaches them by. */
const WILDCARDS: Readonly<Record<string, string>> = { '0.0.0.0': '127.0.0.1', '::': 'localhost', '0:0:0:0:0:0:0:0': 'localhost' };

export function hostUrls(config: Pick<HeraldConfig, 'env' | 'host' | 'tls' | 'admin' | 'console' | 'metrics'>, port: number): HostUrls {
  const local = WILDCARDS[config.host];
  const name = local ?? config.host;
  const base = `${config.tls.enabled ? 'https' : 'http'}://${name.includes(':') ? `[${name}]` : name}:${port}`;
  const pages: HostPage[] = [
    { label: 'API', url: `${base}/api/v1/endpoint`, note: 'every other /api/v1 route takes Authorization: Bearer <api key>' },
    { label: 'SDK example', url: `${base}/sdk/example.html` },
  ];
  if (config.console.enabled) {
    pages.push({ label: 'test console', url: `${base}/console`, ...(config.env === 'local' ? {} : { note: 'after the dashboard login' }) });
  }
  if (config.admin.enabled) {
    pages.push({ label: 'dashboard', url: `${base}/admin`, note: config.admin.password !== undefined ? 'the admin password or an API key' : 'log in with an API key' });
  }
  pages.push({ label: 'readiness', url: `${base}/readyz` });
  pages.push({ label: 'metrics', url: `${base}/metrics`, ...(config.metrics.key !== undefined ? { note: 'Authorization: Bearer <metrics.key>' } : {}) });
  return { base, ...(local !== undefined ? { wildcard: config.host } : {}), pages };
}
