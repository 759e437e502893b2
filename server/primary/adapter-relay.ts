/**
 * The primary's relay of @socket.io/cluster-adapter messages between workers (no Redis): the
 * library's `setupPrimary()` (0.3.0), rewritten so that no message can throw in the primary.
 *
 * The library calls `worker.send(message)` inside the cluster 'message' event; when a message
 * cannot be serialized again (a push whose data was nested ~2,000 levels deep overflowed V8's
 * serializer), that throw became an uncaught exception and the primary exited with every
 * connection of the host (issue 11, item 7). Here each send is guarded: a message that cannot be
 * relayed is logged (once per interval, with a count) and dropped; the workers that would have
 * got it lose that one broadcast, nothing else. Pushes are refused long before this
 * (`push.maxDataDepth`), so the guard is the last line, not the rule.
 *
 * Routing is the library's: responses (fetchSockets, serverSideEmit) go to the worker whose
 * adapter asked, everything else to every worker but the sender.
 */
import cluster, { type Worker } from 'node:cluster';
import { MessageType } from 'socket.io-adapter';
import type { Logger } from '../../shared/logger';
import { ThrottledLog } from '../../shared/throttled-log';

/** The `source` the cluster adapter puts on its messages. */
const MESSAGE_SOURCE = '_sio_adapter';

interface AdapterMessage {
  source: typeof MESSAGE_SOURCE;
  uid: string;
  type: MessageType;
  requesterUid?: string;
}

function isAdapterMessage(message: unknown): message is AdapterMessage {
  return typeof message === 'object' && message !== null && (message as { source?: unknown }).source === MESSAGE_SOURCE;
}

export class AdapterRelay {
  /** Adapter uids (one per namespace) of each worker, so responses reach only the requester. */
  private readonly uids = new WeakMap<Worker, Set<string>>();
  private readonly dropped: ThrottledLog;

  constructor(logger: Logger) {
    this.dropped = new ThrottledLog(logger, 'warn', 'cluster adapter message dropped: it could not be relayed to a worker');
  }

  start(): void {
    cluster.on('message', this.onMessage);
  }

  close(): void {
    cluster.off('message', this.onMessage);
  }

  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (!isAdapterMessage(message)) return;
    try {
      this.relay(worker, message);
    } catch (err) {
      // Nothing a worker sends may take the primary down.
      this.dropped.hit({ type: message.type, error: (err as Error).message });
    }
  };

  private relay(from: Worker, message: AdapterMessage): void {
    let own = this.uids.get(from);
    if (own === undefined) {
      own = new Set();
      this.uids.set(from, own);
    }
    own.add(message.uid);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (message.type === MessageType.FETCH_SOCKETS_RESPONSE || message.type === MessageType.SERVER_SIDE_EMIT_RESPONSE) {
      const requester = workers.find((w) => message.requesterUid !== undefined && this.uids.get(w)?.has(message.requesterUid) === true);
      if (requester !== undefined) this.sendTo(requester, message);
      return;
    }
    for (const worker of workers) if (worker.id !== from.id) this.sendTo(worker, message);
  }

  private sendTo(worker: Worker, message: AdapterMessage): void {
    if (!worker.isConnected()) return;
    try {
      worker.send(message, undefined, () => undefined);
    } catch (err) {
      this.dropped.hit({ type: message.type, error: (err as Error).message });
    }
  }
}
