import type { Command } from 'commander';
import { loadConfig } from '../../../shared/config';
import type { ArgsOf, ProcessRow } from '../../../shared/control/contract';
import { commandOrFail } from '../control-client';
import { fail } from '../output';
import { formatTable, memory, time } from '../table';

interface ShowOptions {
  d?: boolean;
  json?: boolean;
  env?: string;
}

function print(rows: ProcessRow[], formatted: boolean): void {
  console.log(
    formatTable(
      ['pid', 'name', 'group', 'state', 'memory', 'peak memory', 'start time', 'connections', 'last heartbeat'],
      rows.map((r) => [r.pid, r.name, r.group, r.state, memory(r.memory, formatted), memory(r.peakMemory, formatted), time(r.startedAt, formatted), r.group === 'worker' ? r.connections : '-', time(r.lastHeartbeat, formatted)]),
    ),
  );
}

export function registerProcessCommands(program: Command): void {
  const processCommand = program.command('process').description('the processes of the running host');

  processCommand
    .command('show')
    .description('every process: primary, workers, task processes, cron')
    .option('-d', 'formatted: memory in MB, times as dates (raw bytes and unix seconds without)')
    .option('--json', 'print JSON')
    .option('--env <env>', 'environment; overrides PUSH_ENV')
    .action(async (options: ShowOptions) => {
      if (options.env !== undefined) process.env.PUSH_ENV = options.env;
      const rows = await commandOrFail(loadConfig(), 'process.show');
      if (options.json === true) console.log(JSON.stringify(rows, null, 2));
      else print(rows, options.d === true);
    });

  const kill = (args: ArgsOf<'process.kill'>, options: { f?: boolean; d?: boolean; json?: boolean; env?: string }) => async () => {
    if (options.env !== undefined) process.env.PUSH_ENV = options.env;
    const rows = await commandOrFail(loadConfig(), 'process.kill', { ...args, force: options.f === true });
    if (options.json === true) return console.log(JSON.stringify(rows, null, 2));
    console.log(`${options.f === true ? 'killed (SIGKILL)' : 'stopping gracefully'}; the primary starts new ones:`);
    print(rows, true);
  };

  processCommand
    .command('kill')
    .description('stop a process (--pid) or a group (--group): gracefully, or with SIGKILL (-f)')
    .option('--pid <pid>', 'one process')
    .option('--group <group>', 'worker, task or cron')
    .option('-f', 'SIGKILL instead of a graceful stop')
    .option('--json', 'print JSON')
    .option('--env <env>', 'environment; overrides PUSH_ENV')
    .action(async (options: { pid?: string; group?: string; f?: boolean; json?: boolean; env?: string }) => {
      if ((options.pid === undefined) === (options.group === undefined)) fail('give exactly one of --pid and --group');
      let args: ArgsOf<'process.kill'>;
      if (options.pid !== undefined) {
        const pid = Number(options.pid);
        if (!Number.isInteger(pid) || pid <= 0) fail('--pid must be a process id');
        args = { pid };
      } else {
        args = { group: options.group };
      }
      await kill(args, options)();
    });

  processCommand
    .command('killAll')
    .description('stop every process but the primary (which starts new ones)')
    .option('-f', 'SIGKILL instead of a graceful stop')
    .option('--json', 'print JSON')
    .option('--env <env>', 'environment; overrides PUSH_ENV')
    .action(async (options: { f?: boolean; json?: boolean; env?: string }) => kill({ all: true }, options)());
}
