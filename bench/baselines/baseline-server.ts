/** The bench's side of a baseline server: forks it, waits for its port, asks for memory, stops it. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { HttpClient } from '../http-client';
import { killGroup, waitForExit, waitForGroupExit, type BenchServer, type ServerKind, type WorkerInfo } from '../servers/bench-server';
import type { MemoryAnswer, MemoryQuery, ReadyMessage } from './bench-hooks';

export interface BaselineOptions {
  kind: Exclude<ServerKind, 'herald'>;
  /** Workers of the cluster recipe. @default 2 */
  workers?: number;
  redisUrl?: string;
  /** The redis adapter's channel key, unique per run. */
  adapterKey?: string;
  startTimeoutMs?: number;
  /** Write V8 CPU profiles of the baseline's processes into this folder. */
  profileDir?: string;
  /** Let the workers write heap snapshots into this folder on SIGUSR2 (bench/heap-census.ts). */
  heapSnapshotDir?: string;
}

export class BaselineServer implements BenchServer {
  readonly login = false;
  private readonly http: HttpClient;
  private nextQuery = 1;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly kind: Exclude<ServerKind, 'herald'>,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    this.http = new HttpClient(url, { maxSockets: 64 });
  }

  get rootPid(): number {
    return this.child.pid ?? 0;
  }

  static async start(options: BaselineOptions): Promise<BaselineServer> {
    const entry = join(__dirname, options.kind === 'stock-single' ? 'stock-single.js' : 'stock-cluster.js');
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      BENCH_WORKERS: String(options.workers ?? 2),
      BENCH_REDIS_URL: options.redisUrl ?? 'redis://127.0.0.1:6379',
      BENCH_ADAPTER_KEY: options.adapterKey ?? 'socket.io',
    };
    // --cpu-prof is refused in NODE_OPTIONS; cluster workers inherit the primary's execArgv.
    const execArgv = options.profileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    if (options.heapSnapshotDir !== undefined) execArgv.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshotDir}`);
    const child = fork(entry, [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], detached: true, execArgv });
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    try {
      const ready = await new Promise<ReadyMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${options.kind} did not start within ${timeoutMs} ms`)), timeoutMs);
        child.on('message', (message: ReadyMessage) => {
          if (message?.type === 'bench:ready') {
            clearTimeout(timer);
            resolve(message);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${options.kind} exited with ${code} before it was ready`));
        });
      });
      return new BaselineServer(options.kind, `http://127.0.0.1:${ready.port}`, child);
    } catch (err) {
      killGroup(child.pid);
      throw err;
    }
  }

  async broadcast(data: string): Promise<void> {
    const answer = await this.http.post('/broadcast', { data });
    if (answer.status !== 200) throw new Error(`${this.kind} /broadcast answered ${answer.status}`);
  }

  workers(): Promise<WorkerInfo[]> {
    const id = this.nextQuery++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`${this.kind}: no memory report within 5 s`));
      }, 5000);
      const onMessage = (message: MemoryAnswer): void => {
        if (message?.type !== 'bench:memory' || message.id !== id) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(message.reports.map((r) => ({ pid: r.pid, connections: r.connections, heapUsed: r.heapUsed })));
      };
      this.child.on('message', onMessage);
      const query: MemoryQuery = { type: 'bench:memory?', id };
      this.child.send(query);
    });
  }

  /** SIGTERM (the stock servers just exit), SIGKILL to the group after 5 s. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.http.close();
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGTERM');
        if (!(await waitForExit(this.child, 5000))) killGroup(this.child.pid);
      }
      // Cluster workers leave when the primary's IPC closes (writing their CPU profiles first); make sure.
      await waitForGroupExit(this.child.pid, 5000);
      killGroup(this.child.pid);
    })();
    return this.stopping;
  }
}
