/**
 * Operational logs through winston: one line per event, JSON outside `local`.
 * Credentials never reach a log line: callers do not pass them, and as a second guard any field
 * named like a secret is replaced before formatting.
 */
import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Logger = winston.Logger;

export interface LoggerOptions {
  level: LogLevel;
  format: 'pretty' | 'json';
  /** Fields on every line, e.g. `{ proc: 'worker-2' }`. */
  defaults?: Record<string, unknown>;
  /** Where lines go; default stdout. Tests pass a stream to read them. */
  stream?: NodeJS.WritableStream;
}

const SECRET_KEYS = /^(token|ukey|secret|password|authorization|apikey|api_key|credential|value)$/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) (info as Record<string, unknown>)[key] = '[redacted]';
  }
  return info;
});

export function createLogger(options: LoggerOptions): Logger {
  const format =
    options.format === 'json'
      ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json())
      : winston.format.combine(
          redact(),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.errors({ stack: true }),
          winston.format.printf(({ timestamp, level, message, proc, stack, ...rest }) => {
            const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
            const where = proc !== undefined ? ` [${String(proc)}]` : '';
            return `${String(timestamp)} ${level}${where} ${String(message)}${extra}${stack !== undefined ? `\n${String(stack)}` : ''}`;
          }),
        );
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({ level: options.level, format, defaultMeta: options.defaults, transports: [transport] });
}

/** A logger that drops everything: the default for components built in tests. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
