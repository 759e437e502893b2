/**
 * `connection.pingInterval` / `pingTimeout`: 0.1 s and up, so conformance and fast-failure tests
 * (Engine.IO's own suite uses 300 / 200 ms) can run against a real Herald; below that a
 * ConfigError naming the key; below 5 s on `online` a start warning.
 */
import { expect } from 'chai';
import { configWarnings, loadConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ env: { PUSH_ENV: 'local', ...env } });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('Engine.IO ping settings', function () {
  const online = { PUSH_ENV: 'online', HERALD_API_KEYS: 'k'.repeat(32) };

  it('accepts 0.3 s / 0.2 s and 0.1 s, and keeps the defaults of 25 s / 20 s', function () {
    expect(loadConfig({ env: { PUSH_ENV: 'local', HERALD_PING_INTERVAL: '0.3', HERALD_PING_TIMEOUT: '0.2' } }).connection).to.include({ pingInterval: 0.3, pingTimeout: 0.2 });
    expect(loadConfig({ env: { PUSH_ENV: 'local', HERALD_PING_INTERVAL: '0.1', HERALD_PING_TIMEOUT: '0.1' } }).connection).to.include({ pingInterval: 0.1, pingTimeout: 0.1 });
    expect(loadConfig({ env: { PUSH_ENV: 'local' } }).connection).to.include({ pingInterval: 25, pingTimeout: 20 });
  });

  it('refuses 0.05 s with a ConfigError naming the key and the variable', function () {
    expect(configError({ HERALD_PING_INTERVAL: '0.05' })).to.equal('in connection.pingInterval (HERALD_PING_INTERVAL): must be at least 0.1 (seconds; 100 ms)');
    expect(configError({ HERALD_PING_TIMEOUT: '0.05' })).to.equal('in connection.pingTimeout (HERALD_PING_TIMEOUT): must be at least 0.1 (seconds; 100 ms)');
    expect(configError({ HERALD_PING_TIMEOUT: '601' })).to.equal('in connection.pingTimeout (HERALD_PING_TIMEOUT): must be at most 600 (seconds)');
  });

  it('still keeps pingInterval + pingTimeout below idleTimeout', function () {
    expect(configError({ HERALD_IDLE_TIMEOUT: '30', HERALD_HEARTBEAT_INTERVAL: '20', HERALD_PING_INTERVAL: '20', HERALD_PING_TIMEOUT: '10' })).to.equal(
      'in connection.pingInterval: pingInterval + pingTimeout must be shorter than idleTimeout',
    );
  });

  it('warns below 5 s on online only, naming each key', function () {
    const fast = { HERALD_PING_INTERVAL: '0.3', HERALD_PING_TIMEOUT: '0.2' };
    const warnings = configWarnings(loadConfig({ env: { ...online, ...fast } }));
    expect(warnings.map((w) => w.key)).to.deep.equal(['connection.pingInterval', 'connection.pingTimeout']);
    expect(warnings[0].message).to.match(/^is 0\.3 s, below 5 s on online: /);
    expect(configWarnings(loadConfig({ env: { ...online, HERALD_PING_INTERVAL: '5', HERALD_PING_TIMEOUT: '5' } }))).to.deep.equal([]);
    expect(configWarnings(loadConfig({ env: online }))).to.deep.equal([]);
    expect(configWarnings(loadConfig({ env: { PUSH_ENV: 'local', ...fast } }))).to.deep.equal([]);
    expect(configWarnings(loadConfig({ env: { PUSH_ENV: 'test', ...fast } }))).to.deep.equal([]);
  });
});
