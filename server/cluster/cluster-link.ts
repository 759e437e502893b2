/**
 * What a worker needs to know about the rest of its host and cluster, behind one interface:
 * over IPC from the primary in a real cluster, or computed in place for a one-process gateway.
 */
import { isAdminCommand, type AdminCommand, type ArgsOf, type ResultOf } from '../../shared/control/contract';
import { HeraldError } from '../../shared/errors';
import type { HostReadiness, StatsSample } from './ipc';
import type { AdminState } from '../http/admin/admin-state';
import type { PrimaryClient } from './primary-client';
import type { ClusterStats } from './stats';

/**
 * The CLI's commands a worker may run for the admin API (the dashboard), from the contract
 * (`callers: 'admin'`). Never `stop`, `reload` or `process.kill`: those stay with operators on
 * the host's control socket.
 */
export { ADMIN_COMMANDS, isAdminCommand, type AdminCommand } from '../../shared/control/contract';

/** Milliseconds a worker waits for an admin command (crontab.run waits for the job, up to 10 s). */
const ADMIN_COMMAND_TIMEOUT_MS = 15_000;

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
  /** Runs one of the allowlisted CLI commands on this host's primary, as the CLI would. */
  control<K extends AdminCommand>(command: K, args: ArgsOf<K>): Promise<ResultOf<K>>;
  /** This host's connections, users and rates every 5 s over the last 30 minutes, oldest first. */
  history(): Promise<StatsSample[]>;
  /** Revoked admin sessions and admin login attempts, the same for every worker of the cluster. */
  readonly admin: AdminState;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class PrimaryClusterLink implements ClusterLink {
  readonly admin: AdminState;

  constructor(private readonly primary: PrimaryClient) {
    this.admin = {
      revoke: async (sid, expiresAt) => {
        await primary.request('admin.revoke', { sid, expiresAt });
      },
      isRevoked: (sid) => primary.request('admin.revoked', { sid }),
      takeLogin: (ip) => primary.request('admin.login', { ip }),
    };
  }

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

  control<K extends AdminCommand>(command: K, args: ArgsOf<K>): Promise<ResultOf<K>> {
    // Checked again here: the type keeps honest callers in line, this line keeps the others out.
    if (!isAdminCommand(command)) return Promise.reject(new HeraldError('FORBIDDEN', `${String(command)} is not available over HTTP`));
    return this.primary.request(command, args, ADMIN_COMMAND_TIMEOUT_MS);
  }

  history(): Promise<StatsSample[]> {
    return this.primary.request('stats.history', {});
  }
}
