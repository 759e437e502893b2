/**
 * createMessageStore and migrateStore (what `herald db migrate` runs) pick the store the
 * configuration names: MySQL when db.url (HERALD_MYSQL_URL) is set, else SQLite in dataDir.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '../../shared/config';
import { silentLogger } from '../../shared/logger';
import { createMessageStore, migrateStore, SQLITE_FILE_NAME } from '../../shared/store';
import { LATEST_VERSION } from '../../shared/store/migrations';
import { rejection } from '../support/assertions';
import { message } from './store-suite';

const SERVER_URL = process.env.HERALD_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

describe('createMessageStore and migrateStore', function () {
  let dir: string;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-factory-'));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('without db.url, keeps an SQLite file in dataDir, creating the folder', async function () {
    const dataDir = join(dir, 'data', 'deeper');
    const config = loadConfig({ env: { HERALD_DATA_DIR: dataDir }, cwd: dir });
    const report = await migrateStore(config, silentLogger());
    expect(report).to.deep.include({ kind: 'sqlite', from: 0, to: LATEST_VERSION });
    expect(existsSync(join(dataDir, SQLITE_FILE_NAME))).to.equal(true);
    const store = createMessageStore(config, silentLogger());
    try {
      expect(store.kind).to.equal('sqlite');
      expect(await store.migrate()).to.deep.include({ from: LATEST_VERSION, applied: [] });
      expect(await store.append([message('factory_user')])).to.deep.equal([1]);
    } finally {
      await store.close();
    }
  });

  it('with db.url, uses that MySQL database', async function () {
    const name = `herald_test_${randomBytes(5).toString('hex')}`;
    const adminConn = await createConnection(SERVER_URL);
    await adminConn.query(`CREATE DATABASE \`${name}\``);
    try {
      const config = loadConfig({ env: { HERALD_MYSQL_URL: `${SERVER_URL}/${name}`, HERALD_DATA_DIR: dir }, cwd: dir });
      expect(await migrateStore(config, silentLogger())).to.deep.include({ kind: 'mysql', from: 0, to: LATEST_VERSION });
      const store = createMessageStore(config, silentLogger());
      try {
        expect(store.kind).to.equal('mysql');
        expect(await store.append([message('factory_user')])).to.deep.equal([1]);
        expect(existsSync(join(dir, SQLITE_FILE_NAME))).to.equal(false);
      } finally {
        await store.close();
      }
    } finally {
      await adminConn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await adminConn.end();
    }
  });

  it('bounds a message by the push body limit (push.maxBodyBytes)', async function () {
    const config = loadConfig({ env: { HERALD_DATA_DIR: dir }, cwd: dir });
    const store = createMessageStore(config, silentLogger());
    try {
      await store.migrate();
      const tooBig = 'x'.repeat(config.push.maxBodyBytes + 1);
      expect((await rejection(store.append([message('factory_user', { data: tooBig })]))).code).to.equal('BAD_REQUEST');
    } finally {
      await store.close();
    }
  });
});
