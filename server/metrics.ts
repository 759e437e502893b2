/**
 * Prometheus metrics of one worker. In a cluster every worker registers on the global registry
 * and the primary's AggregatorRegistry sums them for GET /metrics; a gateway built in a test
 * gets a registry of its own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, register as globalRegistry } from 'prom-client';
import { ZERO_COUNTERS, type WorkerCounters } from './cluster/stats';

export class Metrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly loggedIn: Gauge;
  readonly connectionsTotal: Counter;
  readonly pushes: Counter<'target' | 'origin'>;
  /** Pushes per `POST /api/v1/push/batch` call. */
  readonly pushBatchItems: Histogram;
  /** Pushes of batches answered with an error (the others of their batch went through), by code. */
  readonly pushBatchFailures: Counter<'code'>;
  readonly deliveries: Counter;
  readonly logins: Counter<'result'>;
  readonly loginSeconds: Histogram;
  readonly kicks: Counter<'reason'>;
  /** Connections dropped for holding more unsent output than connection.maxBufferedBytes. */
  readonly slowReaderDrops: Counter;
  readonly rejected: Counter<'code'>;
  readonly apiRequests: Counter<'route' | 'status'>;
  readonly rateLimited: Counter<'scope'>;
  readonly ingress: Counter<'source' | 'result'>;
  /** Durable copies that reached a socket out of seq order (a hole), each starting a fill. */
  readonly seqGaps: Counter;
  /** Durable copies dropped at a socket because it already had that seq. */
  readonly seqDuplicates: Counter;
  /** Fills read from the store (login replays excluded): holes, resyncs, recoveries. */
  readonly seqFills: Counter;
  /** Ephemeral pushes dropped because too many waited behind one socket's fill. */
  readonly heldDropped: Counter;
  /** Webhook events by outcome at the receiver: sent (2xx), failed (an attempt failed), dead. */
  readonly webhookEvents: Counter<'type' | 'result'>;
  /** Webhook events that could not be written to the outbox (store down, too many writes waiting). */
  readonly webhookLost: Counter<'type'>;
  /** Pending webhook events (every receiver), as the task process last read it. */
  readonly webhookQueued: Gauge;
  /** Age in seconds of the oldest pending webhook event (0: none). */
  readonly webhookOldestAge: Gauge;

  /** Plain counters for the worker's report to the primary (cheaper than reading prom-client). */
  readonly counters: WorkerCounters = { ...ZERO_COUNTERS };

  constructor(options: { registry?: Registry; defaultMetrics?: boolean } = {}) {
    this.registry = options.registry ?? globalRegistry;
    const registers = [this.registry];
    // The event-loop lag monitor samples every 10 ms by default: 100 wake-ups a second in every process
    // of the host. 100 ms is plenty for a lag gauge.
    if (options.defaultMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'herald_', eventLoopMonitoringPrecision: 100 });
    this.connections = new Gauge({ name: 'herald_connections', help: 'Open Socket.IO connections', registers, aggregator: 'sum' });
    this.loggedIn = new Gauge({ name: 'herald_logged_in_connections', help: 'Logged-in connections', registers, aggregator: 'sum' });
    this.connectionsTotal = new Counter({ name: 'herald_connections_total', help: 'Connections accepted', registers });
    this.pushes = new Counter({
      name: 'herald_pushes_total',
      help: 'Pushes accepted, by target kind and origin',
      labelNames: ['target', 'origin'],
      registers,
    });
    this.pushBatchItems = new Histogram({
      name: 'herald_push_batch_items',
      help: 'Pushes per POST /api/v1/push/batch call',
      buckets: [1, 10, 50, 100, 250, 500, 1000],
      registers,
    });
    this.pushBatchFailures = new Counter({
      name: 'herald_push_batch_item_failures_total',
      help: 'Pushes of a batch answered with an error, by code',
      labelNames: ['code'],
      registers,
    });
    this.deliveries = new Counter({ name: 'herald_deliveries_total', help: 'Push deliveries written to sockets', registers });
    this.logins = new Counter({ name: 'herald_logins_total', help: 'Login attempts by result (ok or error code)', labelNames: ['result'], registers });
    this.loginSeconds = new Histogram({
      name: 'herald_login_duration_seconds',
      help: 'Time to verify a credential and log in',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 5],
      registers,
    });
    this.slowReaderDrops = new Counter({ name: 'herald_slow_reader_drops_total', help: 'Connections dropped for holding more unsent output than connection.maxBufferedBytes', registers });
    this.kicks = new Counter({ name: 'herald_kicks_total', help: 'Connections kicked, by reason', labelNames: ['reason'], registers });
    this.rejected = new Counter({ name: 'herald_socket_errors_total', help: 'Socket requests answered with an error, by code', labelNames: ['code'], registers });
    this.apiRequests = new Counter({ name: 'herald_api_requests_total', help: 'HTTP API requests by route and status', labelNames: ['route', 'status'], registers });
    this.rateLimited = new Counter({ name: 'herald_rate_limited_total', help: 'Requests refused by a rate limit, by scope', labelNames: ['scope'], registers });
    this.ingress = new Counter({ name: 'herald_ingress_total', help: 'Redis ingress entries by source and result', labelNames: ['source', 'result'], registers });
    this.seqGaps = new Counter({ name: 'herald_seq_gaps_total', help: 'Durable copies that arrived at a socket past a hole (each fills it from the store)', registers });
    this.seqDuplicates = new Counter({ name: 'herald_seq_duplicates_total', help: 'Durable copies dropped at a socket that already had them', registers });
    this.seqFills = new Counter({ name: 'herald_seq_fills_total', help: 'Store reads that filled a socket (holes, resyncs, recoveries)', registers });
    this.webhookEvents = new Counter({ name: 'herald_webhook_events_total', help: 'Webhook events by type and result (sent, failed, dead)', labelNames: ['type', 'result'], registers });
    this.webhookLost = new Counter({ name: 'herald_webhook_enqueue_failures_total', help: 'Webhook events not written to the outbox, by type', labelNames: ['type'], registers });
    this.webhookQueued = new Gauge({ name: 'herald_webhook_queued', help: 'Pending webhook events in the outbox', registers, aggregator: 'max' });
    this.webhookOldestAge = new Gauge({ name: 'herald_webhook_oldest_pending_seconds', help: 'Age of the oldest pending webhook event, in seconds', registers, aggregator: 'max' });
    this.heldDropped = new Counter({ name: 'herald_held_dropped_total', help: 'Ephemeral pushes dropped behind a fill (per-socket cap)', registers });
  }
}
