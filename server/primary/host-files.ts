/**
 * Where a host keeps its files, for the primary that creates them and the CLI that reads them:
 * the control socket and the pid file under the run dir, the daemon's log under the data dir.
 */
import { join } from 'node:path';
import type { HeraldConfig } from '../../shared/config';

export function controlSocketPath(config: HeraldConfig): string {
  return join(config.runDir, 'herald.sock');
}

export function pidFilePath(config: HeraldConfig): string {
  return join(config.runDir, 'herald.pid');
}

/** The daemon's log file. */
export function logFilePath(config: HeraldConfig): string {
  return join(config.dataDir, 'logs', 'herald.log');
}
