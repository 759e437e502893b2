/**
 * The PHP library (clients/php) against the real thing: runs its PHPUnit suite, which starts its
 * own Herald hosts from this build (embedded default, Redis, the http verifier served by `php -S`)
 * and drives them with Herald\Client, RedisPublisher, Token and VerifyEndpoint, and a webhook
 * receiver (`php -S`, Herald\Webhook::verify) that is down for 30 s in one test. Fails when any
 * PHPUnit test fails or is skipped; skipped here only when PHP or PHPUnit is missing outside CI
 * (.ci/run installs Debian's php-cli php-curl php-redis phpunit).
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../shared/paths';

const PHPUNIT = process.env.HERALD_PHPUNIT ?? 'phpunit';

/** What is missing to run the suite, or null. */
function phpMissing(): string | null {
  const php = spawnSync('php', ['-m'], { encoding: 'utf8' });
  if (php.error !== undefined || php.status !== 0) return 'php is not installed';
  const modules = php.stdout.split('\n').map((line) => line.trim().toLowerCase());
  for (const extension of ['curl', 'json', 'redis']) {
    if (!modules.includes(extension)) return `the php ${extension} extension is missing`;
  }
  const phpunit = spawnSync(PHPUNIT, ['--version'], { encoding: 'utf8' });
  if (phpunit.error !== undefined || phpunit.status !== 0) return 'phpunit is not installed';
  return null;
}

describe('PHP library (clients/php) PHPUnit suite against real Herald hosts', function () {
  before(function () {
    const missing = phpMissing();
    if (missing === null) return;
    if (process.env.CI === 'true') throw new Error(`${missing}: .ci/run should have installed php-cli php-curl php-redis phpunit`);
    console.warn(`      skipped: ${missing} (apt-get install -y php-cli php-curl php-redis phpunit, as .ci/run does)`);
    this.skip();
  });

  it('passes every PHPUnit test, none skipped', async function () {
    this.timeout(180_000); // ~40 s of tests, a 30 s webhook outage, and room for a busy machine
    const root = packageRoot();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(
        PHPUNIT,
        ['-c', join(root, 'clients', 'php', 'phpunit.xml'), '--fail-on-skipped', '--fail-on-incomplete'],
        { cwd: root, timeout: 170_000, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGTERM' },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: stdout + stderr }),
      );
      child.stdin?.end();
    });
    expect(code, output).to.equal(0);
    const summary = /OK \((\d+) tests?, (\d+) assertions?\)/.exec(output);
    expect(summary, output).to.not.equal(null);
    expect(Number(summary?.[1]), 'PHPUnit tests run').to.be.at.least(60);
  });
});
