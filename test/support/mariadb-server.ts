/**
 * A private MariaDB server for tests that need to take the database away: stop it, start it
 * again on the same port, or freeze it (a server that accepts connections and never answers).
 * The shared server on 3306 is never touched.
 *
 * The first call in a process initializes a template data folder (mariadb-install-db, about a
 * second); every server copies it, so later ones start in a few hundred milliseconds.
 * Root has an empty password. Every child process is registered with trackChild.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort } from './ports';
import { trackChild } from './processes';

export interface PrivateMariaDb {
  /** The TCP port, the same across restarts. */
  readonly port: number;
  /** `mysql://root@127.0.0.1:<port>/<database>`. */
  readonly url: string;
  /** The server's pid while it runs. */
  readonly pid: number | undefined;
  /** Starts the server again on the same port and data; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops the server: SIGTERM (a clean shutdown) by default, SIGKILL for a crash. */
  stop(options?: { signal?: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
  /** SIGSTOP: the port stays open, nothing answers. */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Kills the server and deletes its files. Idempotent. */
  cleanup(): Promise<void>;
}

export interface PrivateMariaDbOptions {
  /** Database created at first start. @default 'herald' */
  database?: string;
  /** How long a start may take before it fails, in ms. @default 20000 */
  startTimeoutMs?: number;
}

/** InnoDB settings shared by install and server: they must agree. Small and fast, not durable. */
const INNODB_ARGS = [
  '--innodb-log-file-size=8M',
  '--innodb-data-file-path=ibdata1:4M:autoextend',
  '--innodb-undo-tablespaces=0',
];

const asRoot = process.getuid?.() === 0;

let template: Promise<string> | undefined;

/** A data folder initialized once per process; servers start from copies of it. */
function templateDataDir(): Promise<string> {
  template ??= (async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'herald-mariadb-template-')), 'data');
    const args = [
      '--no-defaults',
      `--datadir=${dir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      ...(asRoot ? ['--user=root'] : []),
      ...INNODB_ARGS,
    ];
    const output: string[] = [];
    const child = trackChild(spawn('mariadb-install-db', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`mariadb-install-db exited with ${code}:\n${output.join('').slice(-2000)}`);
    process.once('exit', () => rmSync(join(dir, '..'), { recursive: true, force: true }));
    return dir;
  })();
  template.catch(() => {
    template = undefined;
  });
  return template;
}

export async function startMariaDb(options: PrivateMariaDbOptions = {}): Promise<PrivateMariaDb> {
  const database = options.database ?? 'herald';
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const source = await templateDataDir();
  const root = mkdtempSync(join(tmpdir(), 'herald-mariadb-'));
  const dataDir = join(root, 'data');
  cpSync(source, dataDir, { recursive: true });
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--socket=${join(root, 'mysqld.sock')}`,
    `--pid-file=${join(root, 'mysqld.pid')}`,
    `--tmpdir=${root}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    '--skip-log-bin',
    '--performance-schema=OFF',
    '--innodb-buffer-pool-size=32M',
    '--innodb-flush-log-at-trx-commit=2',
    '--max-connections=300',
    ...(asRoot ? ['--user=root'] : []),
    ...INNODB_ARGS,
  ];

  let child: ChildProcess | undefined;
  let frozen = false;
  let cleaned = false;

  const start = async (): Promise<void> => {
    if (cleaned) throw new Error('this MariaDB was cleaned up');
    if (child) return;
    const proc = trackChild(spawn('mariadbd', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true }));
    child = proc;
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    let log = '';
    let settled = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`mariadbd did not start in ${startTimeoutMs} ms`)), startTimeoutMs);
      function fail(err: Error): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(new Error(`${err.message}\n${log.slice(-2000)}`));
      }
      proc.stderr?.on('data', (chunk: Buffer) => {
        // Keep reading after start, so a full pipe never blocks the server.
        log = (log.length > 100_000 ? log.slice(-10_000) : log) + chunk.toString();
        if (!settled && log.includes('ready for connections')) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('error', fail);
      proc.once('exit', (code, signal) => fail(new Error(`mariadbd exited (${code ?? signal}) while starting`)));
    });
  };

  const stop = async ({ signal = 'SIGTERM' }: { signal?: 'SIGTERM' | 'SIGKILL' } = {}): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(frozen ? 'SIGKILL' : signal);
    frozen = false;
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const server: PrivateMariaDb = {
    port,
    url: `mysql://root@127.0.0.1:${port}/${database}`,
    get pid() {
      return child?.pid;
    },
    start,
    stop,
    freeze() {
      if (child?.pid === undefined) throw new Error('mariadbd is not running');
      process.kill(child.pid, 'SIGSTOP');
      waitUntilStopped(child.pid);
      frozen = true;
    },
    thaw() {
      if (child?.pid === undefined) return;
      process.kill(child.pid, 'SIGCONT');
      frozen = false;
    },
    async cleanup() {
      if (cleaned) return;
      await stop({ signal: 'SIGKILL' });
      cleaned = true;
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    await start();
    const conn = await createConnection({ host: '127.0.0.1', port, user: 'root' });
    try {
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
    } finally {
      await conn.end();
    }
  } catch (err) {
    await server.cleanup();
    throw err;
  }
  return server;
}

/**
 * Waits (up to 2 s) until every thread of the process is stopped. SIGSTOP stops a multi-threaded
 * process only once one of its threads takes the signal and stops the others: on a busy machine
 * the other threads can still answer a query for a few milliseconds after kill() returns.
 */
function waitUntilStopped(pid: number): void {
  const until = Date.now() + 2000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < until) {
    let running = false;
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (state !== 'T' && state !== 't') running = true;
      }
    } catch {
      return; // no /proc (not Linux) or the process is gone: nothing to wait for
    }
    if (!running) return;
    Atomics.wait(pause, 0, 0, 2);
  }
}
