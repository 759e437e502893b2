import type { Command } from 'commander';
import { runPrimary } from '../../primary/run';

export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('start and stop a Herald host');
  server
    .command('start')
    .description('start a host in the foreground (primary + workers)')
    .option('-d, --daemon', 'run in the background (not yet available: use pm2 or systemd)')
    .option('--env <env>', 'environment: local, test or online (0, 1, 2); overrides PUSH_ENV')
    .action(async (options: { daemon?: boolean; env?: string }) => {
      if (options.daemon === true) {
        console.error('herald: -d (daemon mode) is not available yet; run in the foreground under pm2 or systemd (see docs)');
        process.exit(2);
      }
      if (options.env !== undefined) process.env.PUSH_ENV = options.env;
      await runPrimary();
    });
}
