/**
 * A private Redis Cluster for the hosts scenario: the tests' own (test/support/redis-cluster.ts,
 * 3 masters + 3 replicas on free ports, each node a child of this process), started for the run
 * and stopped after it. Loaded when first needed, so a bench that never asks for a cluster does
 * not need redis-server's cluster mode.
 */

/** What the bench uses of a running cluster. */
export interface BenchRedisCluster {
  /** `127.0.0.1:P1,127.0.0.1:P2,…`: the value of HERALD_REDIS_CLUSTER. */
  readonly seeds: string;
  /** Stops every node; idempotent. */
  stop(): Promise<void>;
}

export interface BenchRedisClusterOptions {
  /** @default 3 */
  masters: number;
  /** @default 1 */
  replicasPerMaster: number;
}

export const DEFAULT_BENCH_REDIS_CLUSTER_OPTIONS: Readonly<BenchRedisClusterOptions> = Object.freeze({ masters: 3, replicasPerMaster: 1 });

interface ClusterModule {
  PrivateRedisCluster: { start(options: Partial<BenchRedisClusterOptions>): Promise<BenchRedisCluster> };
}

/**
 * The tests' helper, by a path the compiler does not follow: the helper lands on main with issue
 * 14 in parallel with this scenario (make it a static import once both are in).
 */
const HELPER = '../../test/support/redis-cluster';

export async function startRedisCluster(options: Partial<BenchRedisClusterOptions> = {}): Promise<BenchRedisCluster> {
  let helper: ClusterModule;
  try {
    helper = (await import(HELPER)) as ClusterModule;
  } catch (err) {
    throw new Error(`no Redis Cluster helper (test/support/redis-cluster.ts is not built: ${(err as Error).message.split('\n')[0]}); run with --hosts-redis single`);
  }
  return helper.PrivateRedisCluster.start({ ...DEFAULT_BENCH_REDIS_CLUSTER_OPTIONS, ...options });
}
