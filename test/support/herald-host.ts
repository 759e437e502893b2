/**
 * A real Herald host (primary + workers) in child processes, started the way operators start it
 * (`bin/herald.js server start`), with configuration through HERALD_* variables.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { packageRoot } from '../../shared/paths';
import type { ReadyNotice } from '../../server/cluster/ipc';
import { trackChild, watchHeraldOutput } from './processes';
import { waitFor } from './wait';

export interface HeraldHost {
  url: string;
  port: number;
  pid: number;
  hostId: string;
  /** HERALD_DATA_DIR of this host (its run folder holds the control socket). */
  dataDir: string;
  child: ChildProcess;
  /** Everything the host printed. */
  output(): string;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Worker pids, from the stats API. */
  workerPids(): Promise<number[]>;
}

export interface StartHostOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function startHost(options: StartHostOptions = {}): Promise<HeraldHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-test-'));
  const hostId = options.env?.HERALD_HOST_ID ?? uniqueId('host');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PUSH_ENV: 'local',
    HERALD_PORT: '0',
    HERALD_HOST: '127.0.0.1',
    HERALD_WORKERS: '2',
    HERALD_LOG_LEVEL: 'warn',
    HERALD_LOG_FORMAT: 'json',
    HERALD_DATA_DIR: dataDir,
    HERALD_HOST_ID: hostId,
    ...options.env,
  };
  const child = trackChild(
    fork(join(packageRoot(), 'bin', 'herald.js'), ['server', 'start'], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true }),
  );
  watchHeraldOutput(child, `host ${hostId}`);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));

  const notice = await new Promise<ReadyNotice>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start within ${options.timeoutMs ?? 20000} ms:\n${output}`)), options.timeoutMs ?? 20000);
    child.on('message', (message: ReadyNotice) => {
      if (message?.type === 'herald:host-ready') {
        clearTimeout(timer);
        resolve(message);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before it was ready:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${notice.port}`;
  return {
    url,
    port: notice.port,
    pid: notice.pid,
    hostId,
    dataDir,
    child,
    output: () => output,
    async stop(timeoutMs = 15000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          /* gone */
        }
      }, timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async workerPids() {
      const response = await fetch(`${url}/api/v1/stats`, { headers: { authorization: 'Bearer local-development-api-key' } });
      const stats = (await response.json()) as { hosts: { hostId: string; workers: { pid: number; state: string }[] }[] };
      const host = stats.hosts.find((h) => h.hostId === hostId);
      return (host?.workers ?? []).filter((w) => w.state === 'ready').map((w) => w.pid);
    },
  };
}

/** Waits until the host reports `count` ready workers. */
export async function waitForWorkers(host: HeraldHost, count: number, timeoutMs = 15000): Promise<number[]> {
  return waitFor(async () => {
    const pids = await host.workerPids();
    return pids.length === count ? pids : undefined;
  }, timeoutMs, `${count} ready workers`);
}
