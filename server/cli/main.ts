/** The `herald` command: wiring only; each command group lives in commands/. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../../shared/errors';
import { heraldVersion } from '../../shared/paths';
import { normalizeSeedArgs } from './argv';
import { invokedName } from './invoked-name';
import { registerBenchCommand } from './commands/bench';
import { registerCrontabCommands } from './commands/crontab';
import { registerDbCommands } from './commands/db';
import { registerDevSiteCommand } from './commands/dev-site';
import { registerProcessCommands } from './commands/process';
import { registerPushCommand } from './commands/push';
import { registerServerCommands } from './commands/server';
import { registerTaskCommands } from './commands/task';
import { registerTokenCommand } from './commands/token';

// Help and usage name the command as it was typed (`npx herald`, `node bin/herald.js`, `herald`).
const program = new Command(invokedName())
  .description('Herald: a self-hosted WebSocket push service')
  .version(heraldVersion())
  .showHelpAfterError();
registerServerCommands(program);
registerProcessCommands(program);
registerTaskCommands(program);
registerCrontabCommands(program);
registerTokenCommand(program);
registerDevSiteCommand(program);
registerPushCommand(program);
registerDbCommands(program);
registerBenchCommand(program);

// `herald bench …` takes its own flags verbatim.
const argv = process.argv.slice(2);
program.parseAsync(argv[0] === 'bench' ? argv : normalizeSeedArgs(argv), { from: 'user' }).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError) {
    console.error(`herald: invalid configuration: ${err.message}`);
    process.exit(78);
  }
  console.error(`herald: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
});
