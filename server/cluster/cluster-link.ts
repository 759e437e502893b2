/**
 * What a worker needs to know about the rest of its host and cluster, behind one interface:
 * over IPC from the primary in a real cluster, or computed in place for a one-process gateway.
 */
import type { HostReadiness } from './ipc';
import type { PrimaryClient } from './primary-client';
import type { ClusterStats } from './stats';

export interface MetricsText {
  contentType: string;
  text: string;
}

export interface ClusterLink {
  stats(): Promise<ClusterStats>;
  /** Prometheus text aggregated over this host's workers. */
  metrics(): Promise<MetricsText>;
  readiness(): Promise<HostReadiness>;
  /** The least-loaded healthy host's URL when several hosts share Redis; else undefined. */
  endpointUrl(): Promise<string | undefined>;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class PrimaryClusterLink implements ClusterLink {
  constructor(private readonly primary: PrimaryClient) {}

  stats(): Promise<ClusterStats> {
    return this.primary.request('cluster.stats', {});
  }

  async metrics(): Promise<MetricsText> {
    return { contentType: PROMETHEUS_CONTENT_TYPE, text: await this.primary.request('host.metrics', {}) };
  }

  readiness(): Promise<HostReadiness> {
    return this.primary.request('host.readiness', {});
  }

  async endpointUrl(): Promise<string | undefined> {
    return (await this.primary.request('cluster.endpoint', {})).url;
  }
}
