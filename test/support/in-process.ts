/**
 * A gateway in the test's own process: one Socket.IO server with Herald's protocol on a real
 * port, an in-memory adapter, a local presence table, and optionally a fake clock. For rules
 * that need Herald's time under the test's control (the idle kick) and for quick protocol tests.
 */
import { createServer } from 'node:http';
import { Registry } from 'prom-client';
import { loadConfig, type HeraldConfig } from '../../shared/config';
import type { Clock } from '../../shared/clock';
import { silentLogger, type Logger } from '../../shared/logger';
import type { MessageStore } from '../../shared/store';
import type { Verifier } from '../../shared/auth';
import { LocalPresence } from '../../server/cluster/local-presence';
import { Gateway } from '../../server/gateway';
import { Metrics } from '../../server/metrics';

export interface InProcessHerald {
  url: string;
  config: HeraldConfig;
  gateway: Gateway;
  presence: LocalPresence;
  close(): Promise<void>;
}

export interface InProcessOptions {
  /** HERALD_* variables on top of the local environment's files. */
  env?: Record<string, string>;
  clock?: Clock;
  verifier?: Verifier;
  /** A folder holding `local/app.json` etc., instead of the package's config/. */
  configDir?: string;
  /** Default: a silent one. */
  logger?: Logger;
  /** A migrated message store for durable pushes; default none (every push live-only). */
  store?: MessageStore;
}

export async function startInProcess(options: InProcessOptions = {}): Promise<InProcessHerald> {
  const config = loadConfig({
    env: { PUSH_ENV: 'local', HERALD_LOG_LEVEL: 'error', ...options.env },
    ...(options.configDir !== undefined ? { configDir: options.configDir } : {}),
  });
  const httpServer = createServer();
  const presence = new LocalPresence();
  const gateway = new Gateway({
    config,
    httpServer,
    logger: options.logger ?? silentLogger(),
    nodeId: 'in-process/0/0',
    presence,
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.verifier !== undefined ? { verifier: options.verifier } : {}),
    ...(options.store !== undefined ? { store: options.store } : {}),
    metrics: new Metrics({ registry: new Registry() }),
  });
  gateway.start();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const address = httpServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    gateway,
    presence,
    close: async () => {
      httpServer.closeAllConnections();
      await gateway.close('shutdown');
    },
  };
}
