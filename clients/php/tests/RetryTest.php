<?php
/**
 * Herald\Client's retries against a scripted server: 503 and 429 are retried (Retry-After
 * honoured), with ONE Idempotency-Key on every attempt; other errors are not retried; a
 * Retry-After longer than maxRetryAfter is thrown at once.
 */

declare(strict_types=1);

namespace Herald\Tests;

use Herald\Client;
use Herald\Exception\RateLimitedException;
use Herald\Exception\RedisUnavailableException;
use Herald\Exception\UnavailableException;
use Herald\Exception\ConnectionException;
use Herald\Exception\ForbiddenException;
use Herald\Tests\Support\PhpServer;
use PHPUnit\Framework\TestCase;

final class RetryTest extends TestCase
{
    /** @var PhpServer */
    private static $server;
    /** @var string */
    private static $script;
    /** @var string */
    private static $log;

    public static function setUpBeforeClass(): void
    {
        self::$script = (string) tempnam(sys_get_temp_dir(), 'herald-fake-script');
        self::$log = (string) tempnam(sys_get_temp_dir(), 'herald-fake-log');
        self::$server = new PhpServer(__DIR__ . '/Support/fake-herald.php', ['FAKE_SCRIPT' => self::$script, 'FAKE_LOG' => self::$log]);
    }

    public static function tearDownAfterClass(): void
    {
        self::$server->stop();
        unlink(self::$script);
        unlink(self::$log);
    }

    /** @param array<int, array<string, mixed>> $answers */
    private function script(array $answers): void
    {
        file_put_contents(self::$script, implode("\n", array_map('json_encode', $answers)) . "\n");
        file_put_contents(self::$log, '');
    }

    /** @return string[] the Idempotency-Key of each request */
    private function requests(): array
    {
        return file(self::$log, FILE_IGNORE_NEW_LINES) ?: [];
    }

    private static function error(int $status, string $code, array $headers = [], array $extra = []): array
    {
        return ['status' => $status, 'headers' => $headers, 'body' => ['ok' => false, 'error' => array_merge(['code' => $code, 'message' => $code], $extra)]];
    }

    private const OK = ['status' => 200, 'body' => ['ok' => true, 'id' => 'p1', 'stored' => true, 'online' => 0]];

    public function testRetries503And429WithOneIdempotencyKey(): void
    {
        $this->script([self::error(503, 'STORE_UNAVAILABLE'), self::error(429, 'RATE_LIMITED', ['Retry-After' => '1']), self::OK]);
        $started = microtime(true);
        $answer = (new Client(self::$server->url, 'k', ['retries' => 3, 'retryDelay' => 0.05]))->pushToUid('42', 'x');
        $this->assertSame('p1', $answer['id']);
        $keys = $this->requests();
        $this->assertCount(3, $keys);
        $this->assertCount(1, array_unique($keys), 'the key changed between retries');
        $this->assertMatchesRegularExpression('/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', $keys[0]);
        $this->assertGreaterThanOrEqual(1.0, microtime(true) - $started, 'Retry-After: 1 was not honoured');
    }

    public function testTheCallersIdempotencyKeyIsSent(): void
    {
        $this->script([self::OK]);
        (new Client(self::$server->url, 'k'))->pushToUid('42', 'x', ['idempotencyKey' => 'order-7-paid']);
        $this->assertSame(['order-7-paid'], $this->requests());
    }

    public function testEachLogicalPushHasItsOwnKey(): void
    {
        $this->script([self::OK]);
        $client = new Client(self::$server->url, 'k');
        $client->pushToUid('42', 'a');
        $client->pushToUid('42', 'a');
        $keys = $this->requests();
        $this->assertCount(2, $keys);
        $this->assertNotSame($keys[0], $keys[1]);
    }

    public function testGivesUpAfterTheRetriesWithTheLastError(): void
    {
        $this->script([self::error(503, 'UNAVAILABLE')]);
        try {
            (new Client(self::$server->url, 'k', ['retries' => 2, 'retryDelay' => 0.01]))->pushToUid('42', 'x');
            $this->fail('no exception');
        } catch (UnavailableException $error) {
            $this->assertSame(503, $error->getStatus());
        }
        $this->assertCount(3, $this->requests());
    }

    public function testOtherErrorsAreNotRetried(): void
    {
        $this->script([self::error(403, 'FORBIDDEN')]);
        $this->expectException(ForbiddenException::class);
        try {
            (new Client(self::$server->url, 'k', ['retries' => 3]))->online('42');
        } finally {
            $this->assertCount(1, $this->requests());
        }
    }

    public function testALongRetryAfterIsThrownAtOnce(): void
    {
        $this->script([self::error(503, 'REDIS_UNAVAILABLE', [], ['retryAfter' => 30])]);
        try {
            (new Client(self::$server->url, 'k', ['retries' => 3]))->pushToAll('x');
            $this->fail('no exception');
        } catch (RedisUnavailableException $error) {
            $this->assertSame(30.0, $error->getRetryAfter());
        }
        $this->assertCount(1, $this->requests());
    }

    public function testRateLimitedCarriesRetryAfterFromTheHeader(): void
    {
        $this->script([self::error(429, 'RATE_LIMITED', ['Retry-After' => '20'])]);
        try {
            (new Client(self::$server->url, 'k', ['retries' => 0]))->online('42');
            $this->fail('no exception');
        } catch (RateLimitedException $error) {
            $this->assertSame(20.0, $error->getRetryAfter());
            $this->assertSame('RATE_LIMITED', $error->getErrorCode());
        }
    }

    public function testUnknownOptionsAreRefused(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        new Client(self::$server->url, 'k', ['retry' => 3]);
    }

    public function testA503WithoutHeraldsBodyIsUnavailable(): void
    {
        $this->script([['status' => 503, 'body' => 'bad gateway']]);
        $this->expectException(UnavailableException::class);
        (new Client(self::$server->url, 'k', ['retries' => 0]))->online('42');
    }

    public function testAKeyStillInProgressIsRetriedAfterItsRetryAfter(): void
    {
        $this->script([self::error(409, 'IDEMPOTENCY_IN_PROGRESS', [], ['retryAfter' => 0.2]), self::OK]);
        $started = microtime(true);
        $answer = (new Client(self::$server->url, 'k', ['retries' => 1, 'retryDelay' => 0.01]))->pushToUid('42', 'x');
        $this->assertSame('p1', $answer['id']);
        $this->assertCount(1, array_unique($this->requests()));
        $this->assertCount(2, $this->requests());
        $this->assertGreaterThanOrEqual(0.2, microtime(true) - $started);
    }

    public function testTheBackOffStopsGrowingAtMaxRetryAfter(): void
    {
        $this->script([self::error(503, 'UNAVAILABLE'), self::error(503, 'UNAVAILABLE'), self::OK]);
        $started = microtime(true);
        (new Client(self::$server->url, 'k', ['retries' => 2, 'retryDelay' => 30.0, 'maxRetryAfter' => 0.2]))->online('42');
        $this->assertLessThan(1.0, microtime(true) - $started);
        $this->assertCount(3, $this->requests());
    }

    public function testASlowAnswerTimesOutAndIsRetriedWithTheSameKey(): void
    {
        $this->script([['status' => 200, 'delay' => 1.0, 'body' => self::OK['body']]]);
        $started = microtime(true);
        try {
            (new Client(self::$server->url, 'k', ['timeout' => 0.3, 'retries' => 1, 'retryDelay' => 0.01]))->pushToUid('42', 'x');
            $this->fail('no exception');
        } catch (ConnectionException $error) {
            $this->assertStringContainsString('timed out', $error->getMessage());
        }
        $this->assertLessThan(1.5, microtime(true) - $started, 'the timeout was not applied');
        // php -S answers one request at a time: the second attempt is logged once the first ends.
        usleep(1200000);
        $keys = $this->requests();
        $this->assertCount(2, $keys);
        $this->assertCount(1, array_unique($keys));
    }
}
