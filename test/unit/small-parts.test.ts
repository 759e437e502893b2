import { expect } from 'chai';
import { normalizeSeedArgs } from '../../server/cli/argv';
import { PresenceTable, type PresenceEntry } from '../../server/cluster/presence';
import { ApiKeys } from '../../server/http/api-keys';
import { clientAddress } from '../../server/http/client-address';
import { cachedCheck } from '../../server/http/health';
import { Router } from '../../server/http/router';
import { compareIds } from '../../server/push/redis-ingress';
import { subscribedTopics, topicOfRoom } from '../../server/socket/rooms';

describe('seed-style arguments', function () {
  it('drops -mode=websocket and turns -force and -pid= into their long forms', function () {
    expect(normalizeSeedArgs(['server', 'stop', '-force', '-mode=websocket'])).to.deep.equal(['server', 'stop', '--force']);
    expect(normalizeSeedArgs(['process', 'kill', '-pid=12', '-f'])).to.deep.equal(['process', 'kill', '--pid=12', '-f']);
    expect(normalizeSeedArgs(['process', 'show', '-d', '--mode=websocket'])).to.deep.equal(['process', 'show', '-d']);
  });
});

describe('client address', function () {
  const trusted = new Set(['10.0.0.1', '10.0.0.2']);
  it('uses the peer unless the peer is a trusted proxy', function () {
    expect(clientAddress('::ffff:1.2.3.4', '9.9.9.9', trusted)).to.equal('1.2.3.4');
    expect(clientAddress('10.0.0.1', '9.9.9.9, 5.6.7.8', trusted)).to.equal('5.6.7.8');
    expect(clientAddress('10.0.0.1', '5.6.7.8, 10.0.0.2', trusted)).to.equal('5.6.7.8');
    expect(clientAddress('10.0.0.1', undefined, trusted)).to.equal('10.0.0.1');
    expect(clientAddress(undefined, undefined, trusted)).to.equal('unknown');
  });
});

describe('API keys', function () {
  const keys = new ApiKeys(['first-key-0123456789', 'second-key-0123456789']);
  it('accepts configured bearer keys only and identifies them without revealing them', function () {
    const id = keys.check('Bearer first-key-0123456789');
    expect(id).to.match(/^[0-9a-f]{8}$/);
    expect(keys.check('bearer second-key-0123456789')).to.be.a('string').and.not.equal(id);
    expect(keys.check('Bearer first-key-012345678')).to.equal(undefined);
    expect(keys.check('first-key-0123456789')).to.equal(undefined);
    expect(keys.check(undefined)).to.equal(undefined);
  });
});

describe('router', function () {
  const route = (pattern: string, method: 'GET' | 'POST' = 'GET') => ({ method, pattern, name: pattern, auth: 'public' as const, handle: () => ({ status: 200 }) });
  const router = new Router().add(route('/api/v1/online/:uid')).add(route('/api/v1/push', 'POST'));
  it('matches params, decodes them, and tells a wrong method from a missing route', function () {
    const match = router.match('GET', '/api/v1/online/a%40b');
    expect(match !== undefined && 'params' in match ? match.params : undefined).to.deep.equal({ uid: 'a@b' });
    expect(router.match('GET', '/api/v1/push')).to.deep.equal({ methodNotAllowed: ['POST'] });
    expect(router.match('GET', '/api/v1/online/a/b')).to.equal(undefined);
    expect(router.match('HEAD', '/api/v1/online/x')).to.not.equal(undefined);
  });
});

describe('presence table', function () {
  const entry = (uid: string, sid: string, since: number, nodeId = 'h/0/1', platform = 'web'): PresenceEntry => ({ uid, sid, since, nodeId, platform, device: null });
  it('orders a user’s connections by login time and counts by platform', function () {
    const table = new PresenceTable();
    table.add(entry('u', 's2', 20));
    const all = table.add(entry('u', 's1', 10, 'h/1/2', 'ios'));
    expect(all.map((e) => e.sid)).to.deep.equal(['s1', 's2']);
    expect(table.countConnections(['u', 'u', 'nobody'])).to.equal(2);
    expect(table.countConnections(['u'], 'ios')).to.equal(1);
    expect(table.users).to.equal(1);
  });
  it('drops every entry of a dead worker', function () {
    const table = new PresenceTable();
    table.add(entry('a', 's1', 1, 'h/0/1'));
    table.add(entry('b', 's2', 2, 'h/0/1'));
    table.add(entry('b', 's3', 3, 'h/1/2'));
    expect(table.dropNode('h/0/1')).to.equal(2);
    expect(table.list('a')).to.deep.equal([]);
    expect(table.list('b').map((e) => e.sid)).to.deep.equal(['s3']);
    expect(table.users).to.equal(1);
    table.remove('b', 's3');
    expect(table.users).to.equal(0);
  });
});

describe('rooms and stream ids', function () {
  it('reads topics back from room names', function () {
    expect(topicOfRoom('t:public.news')).to.equal('public.news');
    expect(topicOfRoom('t:public.news/ios')).to.equal(undefined);
    expect(topicOfRoom('u:42')).to.equal(undefined);
    expect(subscribedTopics(new Set(['sid', 'u:1', 't:a', 't:a/web', 't:b']))).to.deep.equal(['a', 'b']);
  });
  it('orders Redis stream ids numerically', function () {
    expect(compareIds('1700000000000-10', '1700000000000-9')).to.equal(1);
    expect(compareIds('999-0', '1000-0')).to.equal(-1);
    expect(compareIds('5-5', '5-5')).to.equal(0);
  });
});

describe('cached health check', function () {
  it('shares a probe that is still running, reuses a settled one for cacheMs, then probes again', async function () {
    let t = 1_000;
    let probes = 0;
    let finish: (() => void) | undefined;
    const check = cachedCheck('store', () => {
      probes++;
      return new Promise<void>((resolve) => (finish = resolve));
    }, 1000, () => t);
    const first = [check.check(), check.check()];
    t += 5000; // a hanging probe is shared however long it takes
    first.push(check.check());
    expect(probes).to.equal(1);
    finish?.();
    expect(await Promise.all(first)).to.deep.equal([{ ok: true }, { ok: true }, { ok: true }]);
    const second = check.check();
    expect(probes).to.equal(2); // settled and older than cacheMs: a fresh probe
    finish?.();
    expect(await second).to.deep.equal({ ok: true });
    t += 500;
    await check.check();
    expect(probes).to.equal(2);
  });
});
