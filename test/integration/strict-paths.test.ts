/**
 * Request targets are read strictly, so that a proxy rule on a path (the shipped nginx's
 * `location = /metrics { deny all; }`) cannot be walked around: one leading slash, exact paths
 * (no optional trailing slash), no dot segments; and /metrics behind its own key.
 */
import { expect } from 'chai';
import { startInProcess, type InProcessHerald } from '../support/in-process';
import { LOCAL_API_KEY } from '../support/http';
import { rawRequest } from '../support/raw-http';

const METRICS_KEY = 'metrics-scrape-key-0123456789';

describe('strict request paths', function () {
  let herald: InProcessHerald;
  let port: number;

  before(async function () {
    herald = await startInProcess();
    port = Number(new URL(herald.url).port);
  });
  after(async function () {
    await herald?.close();
  });

  it('answers 400 to `//x/metrics`, which used to serve the metrics', async function () {
    const answer = await rawRequest(port, '//x/metrics');
    expect(answer.status).to.equal(400);
    expect(answer.body).to.not.include('herald_');
  });

  for (const target of ['/\\x/metrics', '//metrics', 'http://x/metrics', '/api/../metrics', '/api/%2e%2e/metrics', '/api/%2E./metrics', '/./metrics']) {
    it(`answers 400 to the target ${target}`, async function () {
      const answer = await rawRequest(port, target);
      expect(answer.status).to.equal(400);
      expect(answer.body).to.include('BAD_REQUEST');
    });
  }

  for (const target of ['/metrics/', '/%2Fmetrics', '/%2fmetrics', '/metric%73', '/healthz/', '/api/v1/endpoint/']) {
    it(`answers 404 to the target ${target}`, async function () {
      const answer = await rawRequest(port, target);
      expect(answer.status).to.equal(404);
      expect(answer.body).to.include('NOT_FOUND');
    });
  }

  it('answers 404 to POST /api/v1/push/ and stores nothing', async function () {
    const answer = await rawRequest(port, '/api/v1/push/', { method: 'POST', headers: { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-length': '0' } });
    expect(answer.status).to.equal(404);
  });

  it('still serves the exact paths, with a query string', async function () {
    expect((await rawRequest(port, '/metrics')).status).to.equal(200);
    expect((await rawRequest(port, '/healthz?x=1')).status).to.equal(200);
  });

  describe('with metrics.key', function () {
    let keyed: InProcessHerald;
    let keyedPort: number;

    before(async function () {
      keyed = await startInProcess({ env: { HERALD_METRICS_KEY: METRICS_KEY } });
      keyedPort = Number(new URL(keyed.url).port);
    });
    after(async function () {
      await keyed?.close();
    });

    it('refuses GET /metrics without the key, and with an API key, with 401', async function () {
      expect((await rawRequest(keyedPort, '/metrics')).status).to.equal(401);
      const withApiKey = await rawRequest(keyedPort, '/metrics', { headers: { authorization: `Bearer ${LOCAL_API_KEY}` } });
      expect(withApiKey.status).to.equal(401);
      expect(withApiKey.body).to.include('UNAUTHORIZED');
    });

    it('serves GET /metrics with the key', async function () {
      const answer = await rawRequest(keyedPort, '/metrics', { headers: { authorization: `Bearer ${METRICS_KEY}` } });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.include('herald_');
    });
  });
});
