/**
 * A private Redis Cluster for the hosts scenario: the tests' own (test/support/redis-cluster.ts,
 * 3 masters + 3 replicas on free ports, each node a child of this process), started for the run
 * and stopped after it.
 */
import { PrivateRedisCluster } from '../../test/support/redis-cluster';

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
  /**
   * `cluster-node-timeout`, ms. Redis's own default, not the tests' 1 s: a node starved of CPU
   * for a second by 32 Herald processes on two cores must not be failed over mid-measurement.
   * @default 15000
   */
  nodeTimeoutMs: number;
}

export const DEFAULT_BENCH_REDIS_CLUSTER_OPTIONS: Readonly<BenchRedisClusterOptions> = Object.freeze({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 15_000 });

export function startRedisCluster(options: Partial<BenchRedisClusterOptions> = {}): Promise<BenchRedisCluster> {
  return PrivateRedisCluster.start({ ...DEFAULT_BENCH_REDIS_CLUSTER_OPTIONS, ...options });
}
