import type { Command } from 'commander';
import { loadConfig } from '../../../shared/config';
import { commandOrFail } from '../control-client';
import { formatTable, time } from '../table';

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('task processes');
  task
    .command('webhooks')
    .description('the webhook outbox: receivers, queued events, oldest pending, dead letters (docs/WEBHOOKS.md)')
    .option('--json', 'print JSON')
    .option('--env <env>', 'environment; overrides PUSH_ENV')
    .action(async (options: { json?: boolean; env?: string }) => {
      if (options.env !== undefined) process.env.PUSH_ENV = options.env;
      const answer = await commandOrFail(loadConfig(), 'task.webhooks');
      if (options.json === true) return console.log(JSON.stringify(answer, null, 2));
      const oldest = answer.oldestPendingAt === null ? '-' : `${Math.round((Date.now() - answer.oldestPendingAt) / 1000)} s`;
      console.log(`webhooks ${answer.enabled ? 'on' : 'off'}: ${answer.receivers} receiver(s), ${answer.queued} queued, oldest ${oldest}, ${answer.dead} dead`);
      if (answer.deadLetters.length > 0) {
        console.log(
          formatTable(
            ['id', 'type', 'uid', 'time', 'attempts', 'last error'],
            answer.deadLetters.map((d) => [d.id, d.type, d.uid, time(d.createdAt, true), d.attempts, d.lastError ?? '']),
          ),
        );
      }
    });
  task
    .command('status')
    .description('per task process: index, pid, running, done, failed, queued, average ms, start time')
    .option('--json', 'print JSON')
    .option('--env <env>', 'environment; overrides PUSH_ENV')
    .action(async (options: { json?: boolean; env?: string }) => {
      if (options.env !== undefined) process.env.PUSH_ENV = options.env;
      const rows = await commandOrFail(loadConfig(), 'task.status');
      if (options.json === true) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return console.log('no task process is running (tasks.processes: 0?)');
      console.log(
        formatTable(
          ['index', 'pid', 'running', 'done', 'failed', 'queued', 'average ms', 'start time'],
          rows.map((r) => [r.index, r.pid, r.running, r.done, r.failed, r.queued, r.averageMs, time(r.startedAt, true)]),
        ),
      );
    });
}
