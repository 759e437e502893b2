/**
 * The connection policy: every figure of the seed's client rules, in seconds. Herald sends it in
 * the `/api/v1/endpoint` answer so that a server-side change reaches every client; the SDK starts
 * from `DEFAULT_CLIENT_POLICY`, applies the server's policy, then the app's own `policy` option.
 */
export interface ClientPolicy {
  reconnect: {
    /**
     * Seconds before each reconnect attempt, counted from the loss of the connection (first) or
     * from the start of the previous attempt; one attempt per entry, then `failed`.
     * @default [60, 120, 180]
     */
    delays: readonly number[];
    /** Random spread of each delay, 0-1: a delay d becomes d × (1 ± jitter). @default 0 */
    jitter: number;
  };
  heartbeat: {
    /**
     * Seconds of silence (nothing sent, nothing received) before a `heartbeat`. The login answer's
     * `heartbeatInterval` replaces it once logged in, unless the app set it explicitly.
     * @default 150
     */
    interval: number;
    /** Seconds to wait for a heartbeat answer. @default 30 */
    timeout: number;
    /** Heartbeats sent again after an unanswered one before the connection counts as dead. @default 1 */
    retries: number;
  };
  login: {
    /** Seconds between login attempts while login fails. @default 30 */
    retryInterval: number;
  };
  /** Seconds of silence after which the server kicks a connection (informative). @default 180 */
  idleTimeout: number;
  /** Seconds one connection attempt (endpoint look-up included) may take. @default 10 */
  connectTimeout: number;
}

/** The app's adjustments: any subset of the policy. */
export interface PolicyOverrides {
  reconnect?: Partial<ClientPolicy['reconnect']>;
  heartbeat?: Partial<ClientPolicy['heartbeat']>;
  login?: Partial<ClientPolicy['login']>;
  idleTimeout?: number;
  connectTimeout?: number;
}

export const DEFAULT_CLIENT_POLICY: ClientPolicy = Object.freeze({
  reconnect: Object.freeze({ delays: Object.freeze([60, 120, 180]), jitter: 0 }),
  heartbeat: Object.freeze({ interval: 150, timeout: 30, retries: 1 }),
  login: Object.freeze({ retryInterval: 30 }),
  idleTimeout: 180, // 3 minutes, the seed's kick
  connectTimeout: 10,
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A duration in seconds within [min, max], else the fallback. */
function seconds(value: unknown, fallback: number, min = 0.01, max = 86_400): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

function fraction(value: unknown, fallback: number): number {
  return seconds(value, fallback, 0, 1);
}

function count(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100 ? value : fallback;
}

function delays(value: unknown, fallback: readonly number[]): readonly number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100) return fallback;
  const result = value.map((v) => seconds(v, Number.NaN, 0, 3600));
  return result.some((v) => Number.isNaN(v)) ? fallback : result;
}

/**
 * Lays `layer` over `base`. `layer` is untrusted (a server answer or app input): a missing or
 * invalid figure keeps the base value, so a half-broken answer never breaks the rules.
 */
export function mergePolicy(base: ClientPolicy, layer: unknown): ClientPolicy {
  if (!isObject(layer)) return base;
  const reconnect = isObject(layer.reconnect) ? layer.reconnect : {};
  const heartbeat = isObject(layer.heartbeat) ? layer.heartbeat : {};
  const login = isObject(layer.login) ? layer.login : {};
  return {
    reconnect: {
      delays: delays(reconnect.delays, base.reconnect.delays),
      jitter: fraction(reconnect.jitter, base.reconnect.jitter),
    },
    heartbeat: {
      interval: seconds(heartbeat.interval, base.heartbeat.interval),
      timeout: seconds(heartbeat.timeout, base.heartbeat.timeout),
      retries: count(heartbeat.retries, base.heartbeat.retries),
    },
    login: { retryInterval: seconds(login.retryInterval, base.login.retryInterval) },
    idleTimeout: seconds(layer.idleTimeout, base.idleTimeout),
    connectTimeout: seconds(layer.connectTimeout, base.connectTimeout),
  };
}
