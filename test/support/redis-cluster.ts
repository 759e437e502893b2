/**
 * A Redis Cluster of the test's own (issue 14): by default 3 masters with 1 replica each, on free
 * ports, each node in a temporary directory, for tests that need a master to fail over. Every node
 * is a child tracked by processes.ts, so none outlives the test run.
 *
 * Each node has two free ports: its client port and its cluster bus port (`--cluster-port`),
 * because the default bus port (client port + 10000) can be taken or lie above 65535 when the
 * client port is an ephemeral one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import calculateSlot from 'cluster-key-slot';
import Redis from 'ioredis';
import { trackChild } from './processes';
import { freePort } from './ports';
import { waitFor } from './wait';

export interface ClusterNode {
  port: number;
  pid: number;
  role: 'master' | 'replica';
}

export interface PrivateRedisClusterOptions {
  /** Masters; the 16384 slots are split evenly between them. @default 3 */
  masters?: number;
  /** Replicas of each master. @default 1 */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout` in milliseconds: how long a master may be unreachable before the others
   * mark it failed and its replica stands for election. Failover takes about this plus 0.5-1.5 s.
   * @default 1000
   */
  nodeTimeoutMs?: number;
}

export const DEFAULT_PRIVATE_REDIS_CLUSTER_OPTIONS: Required<PrivateRedisClusterOptions> = {
  masters: 3,
  replicasPerMaster: 1,
  nodeTimeoutMs: 1000,
};

const HOST = '127.0.0.1';
const SLOTS = 16384;
/** Forming the cluster (meet, slot assignment, replica sync) takes 1-3 s on this machine. */
const FORM_TIMEOUT_MS = 20_000;

/** One line of CLUSTER NODES, as far as this helper needs it. */
interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string | undefined;
  slots: Array<[number, number]>;
}

interface NodeProcess {
  port: number;
  busPort: number;
  dir: string;
  child: ChildProcess | undefined;
}

export class PrivateRedisCluster {
  private readonly byPort = new Map<number, NodeProcess>();
  private stopped = false;

  private constructor(
    private readonly options: Required<PrivateRedisClusterOptions>,
    nodes: NodeProcess[],
  ) {
    for (const node of nodes) this.byPort.set(node.port, node);
  }

  /**
   * Starts the nodes, joins them with `redis-cli --cluster create … --cluster-replicas N`, and
   * resolves once every node says cluster_state:ok with all 16384 slots assigned, knows every
   * other node, and every replica's link to its master is up (so WAIT and failover work).
   */
  static async start(options: PrivateRedisClusterOptions = {}): Promise<PrivateRedisCluster> {
    const merged = { ...DEFAULT_PRIVATE_REDIS_CLUSTER_OPTIONS, ...options };
    const count = merged.masters * (1 + merged.replicasPerMaster);
    if (merged.masters < 3) throw new Error('PrivateRedisCluster: redis-cli --cluster create needs at least 3 masters');
    const ports = await distinctFreePorts(count * 2);
    const nodes: NodeProcess[] = [];
    for (let i = 0; i < count; i++) {
      nodes.push({ port: ports[2 * i] as number, busPort: ports[2 * i + 1] as number, dir: await mkdtemp(join(tmpdir(), 'herald-redis-cluster-')), child: undefined });
    }
    const cluster = new PrivateRedisCluster(merged, nodes);
    try {
      for (const node of nodes) cluster.spawnNode(node);
      await Promise.all(nodes.map((node) => waitFor(() => ping(node.port), 5000, `redis cluster node ${node.port} to accept connections`)));
      await runRedisCli(['--cluster', 'create', ...nodes.map((node) => `${HOST}:${node.port}`), '--cluster-replicas', String(merged.replicasPerMaster), '--cluster-yes']);
      await waitFor(() => cluster.isHealthy(), FORM_TIMEOUT_MS, 'the redis cluster to form', 50);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** "127.0.0.1:P1,127.0.0.1:P2,…" (all nodes, running or not): the value of HERALD_REDIS_CLUSTER. */
  get seeds(): string {
    return [...this.byPort.keys()].map((port) => `${HOST}:${port}`).join(',');
  }

  /** Every node's client port, in start order. */
  get ports(): number[] {
    return [...this.byPort.keys()];
  }

  /** The running nodes with their current roles, as CLUSTER NODES on a running node reports them. */
  async nodes(): Promise<ClusterNode[]> {
    const lines = await this.clusterNodes();
    const result: ClusterNode[] = [];
    for (const line of lines) {
      const pid = this.byPort.get(line.port)?.child?.pid;
      if (pid === undefined || !this.isRunning(line.port)) continue;
      result.push({ port: line.port, pid, role: line.flags.includes('master') ? 'master' : 'replica' });
    }
    return result.sort((a, b) => a.port - b.port);
  }

  /** The port of the master that serves `slotOrKey` now (a key name, or a slot number). */
  async masterOf(slotOrKey: string | number): Promise<number> {
    const slot = toSlot(slotOrKey);
    const owner = (await this.clusterNodes()).find((line) => line.flags.includes('master') && !line.flags.includes('fail') && ownsSlot(line, slot));
    if (owner === undefined) throw new Error(`PrivateRedisCluster: no live master serves slot ${slot}`);
    return owner.port;
  }

  /**
   * SIGKILLs the master that serves `slotOrKey` (a key name, or a slot number), then waits until
   * one of its replicas was promoted and every running node says cluster_state:ok and sends that
   * slot to the promoted node. `failoverMs` runs from the kill to that moment.
   */
  async killMasterOf(slotOrKey: string | number): Promise<{ killedPort: number; promotedPort: number; failoverMs: number }> {
    const slot = toSlot(slotOrKey);
    const lines = await this.clusterNodes();
    const master = lines.find((line) => line.flags.includes('master') && !line.flags.includes('fail') && ownsSlot(line, slot));
    if (master === undefined) throw new Error(`PrivateRedisCluster: no live master serves slot ${slot}`);
    const replicaPorts = lines.filter((line) => line.masterId === master.id && this.isRunning(line.port)).map((line) => line.port);
    if (replicaPorts.length === 0) throw new Error(`PrivateRedisCluster: the master on ${master.port} has no running replica to promote`);
    const killedAt = Date.now();
    await this.kill(master.port);
    const timeoutMs = this.options.nodeTimeoutMs * 3 + 10_000;
    const promotedPort = await waitFor(
      async () => {
        for (const port of replicaPorts) {
          if (((await command(port, 'ROLE')) as unknown[])[0] !== 'master') continue;
          return (await this.slotServedEverywhereBy(slot, port)) ? port : undefined;
        }
        return undefined;
      },
      timeoutMs,
      `a replica of ${master.port} (${replicaPorts.join(', ')}) to take over slot ${slot}`,
      20,
    );
    return { killedPort: master.port, promotedPort, failoverMs: Date.now() - killedAt };
  }

  /**
   * Starts a killed node again on its port and directory; it reads its nodes.conf, rejoins, and
   * becomes a replica of the node that took its slots. Resolves once its replication link is up and
   * the cluster is healthy again.
   */
  async restart(port: number): Promise<void> {
    const node = this.byPort.get(port);
    if (node === undefined) throw new Error(`PrivateRedisCluster: no node on port ${port}`);
    if (this.isRunning(port)) throw new Error(`PrivateRedisCluster: the node on ${port} is running`);
    this.spawnNode(node);
    await waitFor(() => ping(port), 5000, `redis cluster node ${port} to accept connections`);
    await waitFor(async () => (await this.rolesAgreeOn(port)) && (await this.isHealthy()), this.options.nodeTimeoutMs * 3 + 15_000, `the node on ${port} to rejoin the cluster`, 50);
  }

  /** SIGKILLs every node and removes the directories; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const results = await Promise.allSettled([...this.byPort.keys()].map((port) => this.kill(port)));
    await Promise.allSettled([...this.byPort.values()].map((node) => rm(node.dir, { recursive: true, force: true })));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  private spawnNode(node: NodeProcess): void {
    if (this.stopped) throw new Error('PrivateRedisCluster: stopped');
    const args = [
      '--port', String(node.port), '--cluster-port', String(node.busPort),
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--dir', node.dir,
      '--bind', HOST, '--save', '', '--appendonly', 'no', '--protected-mode', 'no',
      '--cluster-node-timeout', String(this.options.nodeTimeoutMs), '--logfile', 'redis.log',
      // A master waits 5 s by default before a diskless full sync, for more replicas to join it.
      '--repl-diskless-sync-delay', '0',
    ];
    node.child = trackChild(spawn('redis-server', args, { stdio: 'ignore' }));
  }

  private isRunning(port: number): boolean {
    const child = this.byPort.get(port)?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  private async kill(port: number): Promise<void> {
    const node = this.byPort.get(port);
    const child = node?.child;
    if (node === undefined || child === undefined) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  private runningPorts(): number[] {
    return [...this.byPort.keys()].filter((port) => this.isRunning(port));
  }

  /** CLUSTER NODES from the first running node that answers. */
  private async clusterNodes(): Promise<NodeLine[]> {
    let last: unknown;
    for (const port of this.runningPorts()) {
      try {
        return parseClusterNodes(String(await command(port, 'CLUSTER', 'NODES')));
      } catch (err) {
        last = err;
      }
    }
    throw new Error(`PrivateRedisCluster: no node answered CLUSTER NODES (${String((last as Error | undefined)?.message ?? 'none running')})`);
  }

  /**
   * Every running node: cluster_state:ok, all slots assigned, knows every node, and no running
   * node flagged as failing; every running replica has its replication link up.
   */
  private async isHealthy(): Promise<boolean> {
    const running = this.runningPorts();
    for (const port of running) {
      const info = parseInfo(String(await command(port, 'CLUSTER', 'INFO')));
      if (info.cluster_state !== 'ok' || Number(info.cluster_slots_assigned) !== SLOTS || Number(info.cluster_slots_ok) !== SLOTS) return false;
      if (Number(info.cluster_known_nodes) !== this.byPort.size) return false;
      const lines = parseClusterNodes(String(await command(port, 'CLUSTER', 'NODES')));
      if (lines.some((line) => running.includes(line.port) && (line.flags.includes('fail') || line.flags.includes('fail?') || line.flags.includes('handshake')))) return false;
      const self = lines.find((line) => line.flags.includes('myself'));
      if (self?.flags.includes('slave')) {
        const replication = parseInfo(String(await command(port, 'INFO', 'replication')));
        if (replication.master_link_status !== 'up') return false;
      }
    }
    return true;
  }

  /**
   * Every running node, the one on `port` included, gives it the same role (a restarted master
   * thinks it still is one until the node that took its slots tells it otherwise).
   */
  private async rolesAgreeOn(port: number): Promise<boolean> {
    const roles = new Set<string>();
    for (const other of this.runningPorts()) {
      const line = parseClusterNodes(String(await command(other, 'CLUSTER', 'NODES'))).find((candidate) => candidate.port === port);
      roles.add(line === undefined ? 'unknown' : line.flags.includes('master') ? 'master' : 'replica');
    }
    return roles.size === 1 && !roles.has('unknown');
  }

  /** Every running node says cluster_state:ok and that `slot` is served by `port`. */
  private async slotServedEverywhereBy(slot: number, port: number): Promise<boolean> {
    for (const other of this.runningPorts()) {
      const info = parseInfo(String(await command(other, 'CLUSTER', 'INFO')));
      if (info.cluster_state !== 'ok') return false;
      const owner = parseClusterNodes(String(await command(other, 'CLUSTER', 'NODES'))).find((line) => line.flags.includes('master') && ownsSlot(line, slot));
      if (owner?.port !== port) return false;
    }
    return true;
  }
}

function toSlot(slotOrKey: string | number): number {
  if (typeof slotOrKey === 'string') return calculateSlot(slotOrKey);
  if (!Number.isInteger(slotOrKey) || slotOrKey < 0 || slotOrKey >= SLOTS) throw new Error(`PrivateRedisCluster: ${slotOrKey} is not a slot (0-${SLOTS - 1})`);
  return slotOrKey;
}

function ownsSlot(line: NodeLine, slot: number): boolean {
  return line.slots.some(([from, to]) => slot >= from && slot <= to);
}

/** `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>…` per line. */
function parseClusterNodes(text: string): NodeLine[] {
  const lines: NodeLine[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(' ');
    if (fields.length < 8) continue;
    const [id, address, flags, master] = fields as [string, string, string, string];
    const port = Number(/:(\d+)@/.exec(address)?.[1]);
    const slots: Array<[number, number]> = [];
    for (const range of fields.slice(8)) {
      if (range.startsWith('[')) continue; // a slot being migrated or imported
      const [from, to] = range.split('-');
      slots.push([Number(from), Number(to ?? from)]);
    }
    lines.push({ id, port, flags: flags.split(','), masterId: master === '-' ? undefined : master, slots });
  }
  return lines;
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

/** One command on one node, on a connection of its own that gives up at once if the node is down. */
async function command(port: number, name: string, ...args: string[]): Promise<unknown> {
  const redis = new Redis({ host: HOST, port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  redis.on('error', () => {
    /* the command's rejection reports it */
  });
  try {
    await redis.connect();
    return await redis.call(name, ...args);
  } finally {
    redis.disconnect();
  }
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await command(port, 'PING')) === 'PONG';
  } catch {
    return false;
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function runRedisCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = trackChild(spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`redis-cli ${args.slice(0, 2).join(' ')} exited with ${code}: ${output.slice(-2000)}`));
    });
  });
}

