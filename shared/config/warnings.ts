/**
 * Settings that are valid but unwise in an environment: logged as warnings when a host starts
 * and when it reloads, never refused (a test rig on `online` hardware may want them).
 */
import type { HeraldConfig } from './schema';

export interface ConfigWarning {
  /** The configuration key, e.g. `connection.pingInterval`. */
  key: string;
  message: string;
}

/**
 * Seconds under which Engine.IO pings are a warning on `online`. Every connection pings once per
 * `pingInterval` (200,000 connections at 1 s: 200,000 pings a second per host), and a
 * `pingTimeout` shorter than a mobile network's usual stall (a few seconds) drops healthy clients.
 * Conformance and fast-failure tests use 0.1-1 s (Engine.IO's own suite: 300 / 200 ms).
 */
export const ONLINE_MIN_PING_SECONDS = 5;

export function configWarnings(config: HeraldConfig): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (config.env === 'online') {
    for (const key of ['pingInterval', 'pingTimeout'] as const) {
      const value = config.connection[key];
      if (value < ONLINE_MIN_PING_SECONDS) {
        warnings.push({
          key: `connection.${key}`,
          message: `is ${value} s, below ${ONLINE_MIN_PING_SECONDS} s on online: every connection is pinged that often, and a short timeout drops clients on a brief network stall (meant for tests)`,
        });
      }
    }
  }
  return warnings;
}
