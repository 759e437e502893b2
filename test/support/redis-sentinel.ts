/**
 * A Sentinel setup of the test's own: a master, one replica and one sentinel (quorum 1) on free
 * ports, each a `redis-server` (the sentinel with `--sentinel`). `killMaster()` SIGKILLs the
 * current master and waits until the sentinel names the replica as master.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './ports';
import { trackChild } from './processes';
import { waitFor } from './wait';

const HOST = '127.0.0.1';

export class PrivateRedisSentinel {
  private readonly children = new Map<number, ChildProcess>();

  private constructor(
    readonly masterName: string,
    readonly sentinelPort: number,
    private master: number,
    private readonly replica: number,
    private readonly dir: string,
  ) {}

  static async start(masterName = 'mymaster'): Promise<PrivateRedisSentinel> {
    const [master, replica, sentinel] = [await freePort(), await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'herald-sentinel-'));
    const setup = new PrivateRedisSentinel(masterName, sentinel, master, replica, dir);
    try {
      setup.spawn(master, ['--port', String(master)]);
      setup.spawn(replica, ['--port', String(replica), '--replicaof', HOST, String(master)]);
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${sentinel}`,
          `bind ${HOST}`,
          `sentinel monitor ${masterName} ${HOST} ${master} 1`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          '',
        ].join('\n'),
      );
      setup.children.set(sentinel, trackChild(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' })));
      // The sentinel must also know the replica (from the master's INFO), or a failover right away
      // finds "no good replica" and the master stays down (seen once in CI).
      await waitFor(async () => (await setup.replicaLinkUp()) && (await setup.sentinelMaster()) === master && (await setup.sentinelKnowsReplica()), 30_000, 'the sentinel setup', 50);
      return setup;
    } catch (err) {
      await setup.stop();
      throw err;
    }
  }

  /** The value of HERALD_REDIS_SENTINELS. */
  get sentinels(): string {
    return `${HOST}:${this.sentinelPort}`;
  }

  /** SIGKILLs the master; resolves with the milliseconds until the sentinel names the replica. */
  async killMaster(): Promise<number> {
    const started = Date.now();
    const child = this.children.get(this.master);
    child?.kill('SIGKILL');
    await waitFor(async () => (await this.sentinelMaster()) === this.replica, 60_000, 'the sentinel to promote the replica', 50);
    this.master = this.replica;
    return Date.now() - started;
  }

  async stop(): Promise<void> {
    const running = [...this.children.values()].filter((child) => child.exitCode === null && child.signalCode === null);
    const exited = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(exited);
    this.children.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(port: number, args: string[]): void {
    // --dir: a replica's full sync makes the master write an RDB even with --save ''; it goes in
    // the setup's temp dir, not the checkout (a dump.rdb was once committed that way).
    const options = ['--bind', HOST, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', this.dir, '--dbfilename', `dump-${port}.rdb`];
    this.children.set(port, trackChild(spawn('redis-server', [...args, ...options], { stdio: 'ignore' })));
  }

  private async sentinelMaster(): Promise<number | undefined> {
    return ask(this.sentinelPort, async (r) => {
      const answer = (await r.call('SENTINEL', 'get-master-addr-by-name', this.masterName)) as [string, string] | null;
      return answer === null ? undefined : Number(answer[1]);
    });
  }

  private async sentinelKnowsReplica(): Promise<boolean> {
    const known = await ask(this.sentinelPort, async (r) => (await r.call('SENTINEL', 'replicas', this.masterName)) as string[][]);
    return known !== undefined && known.some((fields) => fields.includes(String(this.replica)) && !String(fields[fields.indexOf('flags') + 1]).includes('disconnected'));
  }

  private async replicaLinkUp(): Promise<boolean> {
    return (await ask(this.replica, async (r) => /master_link_status:up/.test(await r.info('replication')))) === true;
  }
}

async function ask<T>(port: number, question: (r: Redis) => Promise<T>): Promise<T | undefined> {
  const r = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await question(r);
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}
