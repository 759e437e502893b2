/**
 * Runs a host: validates configuration once (one line naming the key on failure), starts the
 * primary, and stops gracefully on SIGTERM or SIGINT. In daemon mode (`herald server start -d`
 * starts this detached) every line — the primary's and its children's — goes to
 * `<dataDir>/logs/herald.log`, rotated by size.
 */
import { mkdirSync } from 'node:fs';
import { configWarnings, loadConfig, type HeraldConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { RotatingFile } from '../../shared/rotating-file';
import { logFilePath } from './host-files';
import { Primary } from './primary';

/** Exit code for invalid configuration (EX_CONFIG in sysexits.h). */
export const EXIT_CONFIG = 78;

/** A host that started: its configuration and the port it listens on. */
export interface RunningHost {
  config: HeraldConfig;
  port: number;
}

export async function runPrimary(options: { daemon?: boolean } = {}): Promise<RunningHost> {
  let config: HeraldConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`herald: invalid configuration: ${err.message}`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
  // The store's files, logs and the control socket live here: Herald's user only.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const output = options.daemon === true ? new RotatingFile(logFilePath(config), config.log.maxFileBytes, config.log.keepFiles) : undefined;
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    defaults: { proc: 'herald.Primary' },
    ...(output !== undefined ? { stream: output } : {}),
  });
  for (const warning of configWarnings(config)) logger.warn(`${warning.key} ${warning.message}`, { key: warning.key });
  process.title = 'herald: herald.Primary';
  const primary = new Primary(config, logger, output !== undefined ? { output } : {});
  let exiting = false;
  const stop = (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info('signal received', { signal });
    void primary.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A reload from the outside, as EasySwoole's SIGUSR1 did (the CLI uses the control socket).
  process.on('SIGUSR1', () => {
    primary.reload().catch((err: Error) => logger.error('reload failed', { error: err.message }));
  });
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception in the primary; exiting', { error: err.stack ?? err.message });
    process.exit(1);
  });
  try {
    return { config, port: await primary.start() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use`
        : code === 'EACCES'
          ? `not allowed to listen on port ${config.port}`
          : (err as Error).message;
    logger.error(`cannot start: ${reason}`);
    exiting = true;
    await primary.stop();
    process.exit(1);
  }
}
