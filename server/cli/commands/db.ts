import type { Command } from 'commander';
import { loadConfig } from '../../../shared/config';
import { createLogger } from '../../../shared/logger';
import { migrateStore } from '../../../shared/store';
import { fail } from '../output';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the durable message store');
  db.command('migrate')
    .description('bring the store schema (MySQL or SQLite) up to date; hosts also do it at start')
    .option('--env <env>', 'environment: local, test or online; overrides PUSH_ENV')
    .action(async (options: { env?: string }) => {
      if (options.env !== undefined) process.env.PUSH_ENV = options.env;
      const config = loadConfig();
      const logger = createLogger({ level: 'warn', format: config.log.format });
      try {
        const report = await migrateStore(config, logger);
        const applied = report.applied.map((m) => `${m.version} (${m.name})`).join(', ');
        console.log(
          report.applied.length === 0
            ? `${report.kind} store is at schema version ${report.to}; nothing to do`
            : `${report.kind} store migrated from version ${report.from} to ${report.to}: ${applied}`,
        );
      } catch (err) {
        fail(`migration failed: ${(err as Error).message}`, 1);
      }
    });
}
