/**
 * The cron process (group `cron`, one per host): node-cron jobs, each run once per cluster.
 *
 * - Built-in: `message-retention-cleanup` (deletes expired messages and stale cursors, in a task
 *   process) and `stats-snapshot` (logs the cluster's stats, one line).
 * - Configured: `cron.jobs` — `{ name, schedule, push }`, a scheduled push sent through a task
 *   process like any other push.
 * With Redis, every host's cron process schedules every job, and a lock per job and tick
 * (`<prefix>cron:lock:<name>:<tick>`) lets exactly one run it. `crontab stop|resume|run` arrive
 * from the primary as commands; a stopped job stays stopped across restarts.
 */
import { schedule, type ScheduledTask, type TaskContext } from 'node-cron';
import { BUILT_IN_CRON_JOBS, type HeraldConfig } from '../../shared/config';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { pushRequestSchema } from '../../shared/protocol';
import { createRedisClient } from '../../shared/redis';
import { bootChild } from '../../server/cluster/child-runtime';
import { TASK_REPLY_TIMEOUT_MS } from '../../server/cluster/ipc';
import type { CronRow, ParsedArgsOf } from '../../shared/control/contract';
import { baseReport } from '../../server/cluster/process-report';
import type { PrimaryClient } from '../../server/cluster/primary-client';
import { FileStoppedJobs, RedisStoppedJobs, type StoppedJobs } from './stopped-jobs';

export type { CronRow } from '../../shared/control/contract';

interface Job {
  name: string;
  rule: string;
  run: () => Promise<string>;
  task?: ScheduledTask;
  runs: number;
  lastRun: number | null;
  lastResult: string | null;
  running: boolean;
  stopped: boolean;
}

export function runCronProcess(): void {
  const runtime = bootChild('cron');
  const { config, logger, primary, nodeId, index } = runtime;
  const startedAt = Date.now();
  const redis = config.redis.adapter === 'redis' ? createRedisClient(config.redis.connection, logger, { role: 'cron' }) : undefined;
  const stopped: StoppedJobs = redis !== undefined ? new RedisStoppedJobs(redis, config.redis.prefix) : new FileStoppedJobs(config.dataDir);
  const jobs = defineJobs(config, primary, logger);

  /** A run: from the schedule (`tick`) once per cluster and only if not stopped, or by `crontab run`. */
  const runOnce = async (job: Job, tick: Date | undefined): Promise<string> => {
    try {
      if (tick !== undefined && redis !== undefined) {
        // `crontab stop` on another host stops the job here too: the stopped set lives in Redis.
        job.stopped = (await stopped.load()).has(job.name);
        if (job.stopped) return 'skipped: stopped';
        const key = `${config.redis.prefix}cron:lock:${job.name}:${tick.toISOString()}`;
        const won = await redis.set(key, nodeId, 'PX', 5 * 60_000, 'NX');
        if (won !== 'OK') {
          job.lastResult = 'skipped: another host ran this tick';
          return job.lastResult;
        }
      }
    } catch (err) {
      job.lastResult = `failed: ${(err as Error).message}`;
      logger.warn('cron job could not take its tick', { job: job.name, error: (err as Error).message });
      return job.lastResult;
    }
    job.running = true;
    job.runs++;
    job.lastRun = Date.now();
    try {
      job.lastResult = `ok: ${await job.run()}`;
    } catch (err) {
      job.lastResult = `failed: ${(err as Error).message}`;
      logger.warn('cron job failed', { job: job.name, error: (err as Error).message });
    } finally {
      job.running = false;
    }
    return job.lastResult;
  };

  const rows = (): CronRow[] =>
    jobs.map((job) => ({
      name: job.name,
      rule: job.rule,
      runs: job.runs,
      nextRun: job.stopped ? null : (job.task?.getNextRun()?.getTime() ?? null),
      lastRun: job.lastRun,
      lastResult: job.lastResult,
      running: job.running,
      stopped: job.stopped,
    }));

  const find = (args: ParsedArgsOf<'crontab.run'>): Job => {
    const name = args.name;
    if (typeof name !== 'string' || name === '') throw new HeraldError('BAD_REQUEST', 'give --name=<job>');
    const job = jobs.find((j) => j.name === name);
    if (job === undefined) throw new HeraldError('NOT_FOUND', `no cron job ${JSON.stringify(name)} (see herald crontab show)`);
    return job;
  };

  const setStopped = async (args: ParsedArgsOf<'crontab.stop'>, stop: boolean) => {
    const job = find(args);
    job.stopped = stop;
    await stopped.set(job.name, job.stopped);
    logger.info(job.stopped ? 'cron job stopped' : 'cron job resumed', { job: job.name });
    return { message: `${job.name} ${job.stopped ? 'stopped' : 'resumed'}`, rows: rows() };
  };
  primary.serve({
    'crontab.show': () => ({ rows: rows() }),
    'crontab.stop': (args) => setStopped(args, true),
    'crontab.resume': (args) => setStopped(args, false),
    'crontab.run': async (args) => {
      const job = find(args);
      const result = await runOnce(job, undefined);
      return { message: `${job.name}: ${result}`, rows: rows() };
    },
  });

  void (async () => {
    const stoppedNames = await stopped.load().catch((err: Error) => {
      logger.warn('could not read which cron jobs are stopped; running all', { error: err.message });
      return new Set<string>();
    });
    for (const job of jobs) {
      job.stopped = stoppedNames.has(job.name);
      job.task = schedule(
        job.rule,
        // The promise goes back to node-cron, so noOverlap can see a run still going.
        (context: TaskContext) => (job.stopped && redis === undefined ? undefined : runOnce(job, context.date)),
        { name: job.name, noOverlap: true, ...(config.cron.timezone !== undefined ? { timezone: config.cron.timezone } : {}) },
      );
    }
    runtime.ready(() => baseReport('cron', nodeId, index, startedAt));
  })();

  runtime.onShutdown(async () => {
    for (const job of jobs) await job.task?.destroy();
    redis?.disconnect();
  });
}

function defineJobs(config: HeraldConfig, primary: PrimaryClient, logger: Logger): Job[] {
  const job = (name: string, rule: string, run: () => Promise<string>): Job => ({
    name,
    rule,
    run,
    runs: 0,
    lastRun: null,
    lastResult: null,
    running: false,
    stopped: false,
  });
  const [cleanupName, statsName] = BUILT_IN_CRON_JOBS;
  return [
    job(cleanupName, config.cron.retentionCleanup, async () => {
      const deleted = await primary.request('task.cleanup', {}, TASK_REPLY_TIMEOUT_MS);
      return `${deleted.messages} messages, ${deleted.cursors} cursors deleted`;
    }),
    job(statsName, config.cron.statsSnapshot, async () => {
      const stats = await primary.request('cluster.stats', {});
      logger.info('stats snapshot', { ...stats.totals });
      return `${stats.totals.connections} connections, ${stats.totals.users} users on ${stats.totals.hosts} hosts`;
    }),
    ...config.cron.jobs.map((configured) =>
      job(configured.name, configured.schedule, async () => {
        const request = pushRequestSchema(config.push).parse(configured.push);
        const result = await primary.request('task.push', { request, origin: 'cron' }, TASK_REPLY_TIMEOUT_MS);
        if (result === null) throw new HeraldError('UNAVAILABLE', 'no task process is running');
        return `push ${result.id}${result.online !== null ? ` to ${result.online} connections` : ''}`;
      }),
    ),
  ];
}
