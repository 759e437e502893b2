import type { ApiKeyGate } from '../api-keys';
import type { Clock } from '../../../shared/clock';
import type { HeraldConfig } from '../../../shared/config';
import type { Logger } from '../../../shared/logger';
import type { MessageStore } from '../../../shared/store';
import type { ClusterLink } from '../../cluster/cluster-link';
import type { Presence } from '../../cluster/presence';
import type { Metrics } from '../../metrics';
import type { IdempotencyGate } from '../../push/idempotency';
import type { PushService } from '../../push/push-service';
import type { Kicker } from '../../socket/kicker';
import type { HealthCheck } from '../health';

/** Everything the HTTP routes use. */
export interface RouteDeps {
  config: HeraldConfig;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  push: PushService;
  presence: Presence;
  kicker: Kicker;
  cluster: ClusterLink;
  healthChecks: readonly HealthCheck[];
  /** The API keys and their per-key rate limit, shared by the API and the admin API. */
  apiKeys: ApiKeyGate;
  /** The durable message store, when durable delivery is on. */
  store?: MessageStore;
  /** Idempotency keys of pushes; needs the store. */
  idempotency?: IdempotencyGate;
}
