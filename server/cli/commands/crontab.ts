import type { Command } from 'commander';
import { loadConfig } from '../../../shared/config';
import type { CronRow } from '../../../shared/control/contract';
import { commandOrFail } from '../control-client';
import { formatTable, time } from '../table';

function print(rows: CronRow[]): void {
  console.log(
    formatTable(
      ['name', 'rule', 'runs', 'next run', 'last run', 'last result', 'stopped'],
      rows.map((r) => [r.name, r.rule, r.runs, time(r.nextRun, true), time(r.lastRun, true), r.lastResult ?? '-', r.stopped ? 'yes' : 'no']),
    ),
  );
}

export function registerCrontabCommands(program: Command): void {
  const crontab = program.command('crontab').description('cron jobs (built-in and configured scheduled pushes)');
  const action =
    (command: 'crontab.show' | 'crontab.stop' | 'crontab.resume' | 'crontab.run') =>
    async (options: { name?: string; json?: boolean; env?: string }): Promise<void> => {
      if (options.env !== undefined) process.env.PUSH_ENV = options.env;
      const answer = await commandOrFail(loadConfig(), command, options.name !== undefined ? { name: options.name } : {}, 10 * 60_000);
      if (options.json === true) return console.log(JSON.stringify(answer, null, 2));
      if (answer.message !== undefined) console.log(answer.message);
      print(answer.rows);
    };
  crontab.command('show').description('every job: rule, runs, next and last run, last result, stopped').option('--json', 'print JSON').option('--env <env>', 'environment').action(action('crontab.show'));
  for (const [name, what] of [
    ['stop', 'stop a job (it stays stopped across restarts)'],
    ['resume', 'resume a stopped job'],
    ['run', 'run a job once, now'],
  ] as const) {
    crontab.command(name).description(what).requiredOption('--name <name>', 'the job').option('--json', 'print JSON').option('--env <env>', 'environment').action(action(`crontab.${name}`));
  }
}
