import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { loadConfig, type HeraldConfig } from '../../../shared/config';
import type { StopAnswer } from '../../../shared/control/contract';
import { HeraldError } from '../../../shared/errors';
import { runPrimary } from '../../primary/run';
import { commandOrFail, isAlive, livePid, pidFilePath, sendCommand } from '../control-client';
import { startDaemon } from '../daemon';
import { invokedName } from '../invoked-name';
import { fail } from '../output';
import { startBanner } from '../start-banner';
import { ignoredByReload, processEnvironment, reloadWarning } from '../reload-environment';
import { formatItems, formatTable, time } from '../table';

function configFor(env: string | undefined): HeraldConfig {
  if (env !== undefined) process.env.PUSH_ENV = env;
  return loadConfig();
}

export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('start, stop, reload and inspect a Herald host');

  server
    .command('start')
    .description('start a host: in the foreground, or detached with -d')
    .option('-d, --daemon', 'run in the background (pid file, log files with rotation)')
    .option('--daemonized', 'internal: the detached process itself')
    .option('--env <env>', 'environment: local, test or online (0, 1, 2); overrides PUSH_ENV')
    .action(async (options: { daemon?: boolean; daemonized?: boolean; env?: string }) => {
      if (options.env !== undefined) process.env.PUSH_ENV = options.env;
      if (options.daemonized === true) return void (await runPrimary({ daemon: true }));
      if (options.daemon !== true) {
        const host = await runPrimary();
        // JSON logs go to a log shipper: the "listening" line carries the URL; people get the list.
        if (host.config.log.format === 'pretty' || process.stdout.isTTY) console.log(startBanner(host.config, host.port, invokedName()));
        return;
      }
      const config = configFor(undefined);
      const running = livePid(config);
      if (running !== undefined) fail(`herald is already running (pid ${running}, ${pidFilePath(config)})`, 1);
      try {
        const started = await startDaemon(config);
        console.log(`herald started: pid ${started.pid}, port ${started.port}, env ${config.env}, log ${started.logFile}`);
        console.log(startBanner(config, started.port, invokedName()));
      } catch (err) {
        fail((err as Error).message, 1);
      }
    });

  server
    .command('stop')
    .description('stop gracefully (clients are told to reconnect); --force kills the whole process group')
    .option('--force', 'SIGKILL the primary and every process of its group')
    .option('--env <env>', 'environment; overrides PUSH_ENV')
    .action(async (options: { force?: boolean; env?: string }) => {
      const config = configFor(options.env);
      if (options.force === true) return forceStop(config);
      const pid = livePid(config);
      let answer: StopAnswer;
      try {
        answer = await sendCommand(config, 'stop');
      } catch (err) {
        if (err instanceof HeraldError && err.code === 'NOT_RUNNING' && pid !== undefined) {
          fail(`herald (pid ${pid}) does not answer on its control socket; use ${invokedName()} server stop -force`, 1);
        }
        fail((err as Error).message, 1);
      }
      const deadline = Date.now() + (answer.timeoutSeconds + 5) * 1000;
      while (Date.now() < deadline && isAlive(answer.pid)) await sleep(100);
      if (isAlive(answer.pid)) fail(`herald (pid ${answer.pid}) did not stop within ${answer.timeoutSeconds + 5} s; use ${invokedName()} server stop -force`, 1);
      console.log(`herald stopped (pid ${answer.pid})`);
    });

  server
    .command('status')
    .description('connections, users, totals, processes, start time, env, adapter and store')
    .option('--json', 'print JSON')
    .option('--env <env>', 'environment; overrides PUSH_ENV')
    .action(async (options: { json?: boolean; env?: string }) => {
      const s = await commandOrFail(configFor(options.env), 'status');
      if (options.json === true) return console.log(JSON.stringify(s, null, 2));
      console.log(
        formatItems([
          ['pid', s.pid],
          ['host', s.hostId],
          ['env', s.env],
          ['port', `${s.port}${s.tls ? ' (tls)' : ''}`],
          ['adapter', s.adapter],
          ['store', s.store],
          ['start time', time(s.startedAt, true)],
          ['workers', `${s.workers.ready}/${s.workers.expected}`],
          ['task processes', s.taskProcesses],
          ['cron', s.cron ? 'running' : 'off'],
          ['connections', s.connections],
          ['users', s.users],
          ['accepted total', s.totals.accepted],
          ['closed total', s.totals.closed],
          ['pushes total', s.totals.pushes],
          ['deliveries total', s.totals.deliveries],
          ['logins total', s.totals.logins],
          ['push rate /s', s.rates.pushes],
        ]),
      );
    });

  server
    .command('reload')
    .description('re-read the configuration and replace every process one at a time, without downtime')
    .option('--env <env>', 'environment; overrides PUSH_ENV')
    .action(async (options: { env?: string }) => {
      const config = configFor(options.env);
      const pid = livePid(config);
      if (pid !== undefined) {
        const warning = reloadWarning(ignoredByReload(process.env, processEnvironment(pid)), pid);
        if (warning !== undefined) console.error(warning);
      }
      const report = await commandOrFail(config, 'reload', {}, 15 * 60_000);
      console.log(formatTable(['process', 'old pid', 'new pid'], report.replaced.map((r) => [r.name, r.oldPid ?? '-', r.newPid])));
      if (report.added.length > 0) console.log(`added: ${report.added.join(', ')}`);
      if (report.removed.length > 0) console.log(`removed: ${report.removed.join(', ')}`);
      console.log(`reload done in ${report.seconds} s`);
    });
}

/** SIGKILL to the primary's process group (a daemon leads its own group), else to the primary. */
function forceStop(config: HeraldConfig): void {
  const pid = livePid(config);
  if (pid === undefined) fail(`herald is not running (no live pid in ${pidFilePath(config)})`, 1);
  try {
    process.kill(-pid, 'SIGKILL');
    console.log(`herald killed (pid ${pid} and its process group)`);
  } catch {
    process.kill(pid, 'SIGKILL');
    console.log(`herald killed (pid ${pid}; its children stop when they notice)`);
  }
}


