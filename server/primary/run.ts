/**
 * Runs a host in the foreground: validates configuration once (one line naming the key on
 * failure), starts the primary, and stops gracefully on SIGTERM or SIGINT.
 */
import { mkdirSync } from 'node:fs';
import { loadConfig, type HeraldConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { Primary } from './primary';

/** Exit code for invalid configuration (EX_CONFIG in sysexits.h). */
export const EXIT_CONFIG = 78;

export async function runPrimary(): Promise<void> {
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
  const logger = createLogger({ level: config.log.level, format: config.log.format, defaults: { proc: 'primary' } });
  mkdirSync(config.dataDir, { recursive: true });
  const primary = new Primary(config, logger);
  let exiting = false;
  const stop = (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info('signal received', { signal });
    void primary.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception in the primary; exiting', { error: err.stack ?? err.message });
    process.exit(1);
  });
  try {
    await primary.start();
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
