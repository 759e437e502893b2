<?php
/**
 * Every Herald\Client call against a real Herald (embedded default: one host, SQLite store, no
 * Redis), with a real Socket.IO client logged in by a Herald\Token, and a push retried through a
 * Herald restarted mid-call that arrives exactly once.
 */

declare(strict_types=1);

namespace Herald\Tests;

use Herald\Client;
use Herald\Exception\BadRequestException;
use Herald\Exception\ConnectionException;
use Herald\Exception\IdempotencyMismatchException;
use Herald\Exception\UnauthorizedException;
use Herald\Tests\Support\HeraldProcess;
use Herald\Tests\Support\Listener;
use Herald\Token;
use PHPUnit\Framework\TestCase;

final class ClientTest extends TestCase
{
    /** @var HeraldProcess */
    private static $herald;
    /** @var Listener[] */
    private $listeners = [];

    public static function setUpBeforeClass(): void
    {
        self::$herald = new HeraldProcess();
        self::$herald->start();
    }

    public static function tearDownAfterClass(): void
    {
        self::$herald->destroy();
    }

    protected function tearDown(): void
    {
        foreach ($this->listeners as $listener) {
            $listener->close();
        }
    }

    private function client(array $options = []): Client
    {
        return new Client(self::$herald->url, HeraldProcess::API_KEY, $options);
    }

    /** A logged-in Socket.IO client of $uid (platform app), subscribed to $topics. */
    private function listen(string $uid, array $topics = [], string $device = 'd1'): Listener
    {
        $token = Token::mint(HeraldProcess::JWT_SECRET, $uid, 600, ['platform' => 'app']);
        $listener = new Listener(self::$herald->url, ['token' => $token, 'platform' => 'app', 'device' => $device], $topics);
        $this->listeners[] = $listener;
        $answer = $listener->loginAnswer();
        $this->assertTrue($answer['ok'] ?? false, 'login: ' . json_encode($answer));
        $this->assertSame($uid, $answer['uid']);
        $listener->waitSubscribed(count($topics));
        return $listener;
    }

    public function testEndpointSaysWhereClientsConnect(): void
    {
        $answer = $this->client()->endpoint();
        $this->assertTrue($answer['ok']);
        $this->assertSame(self::$herald->url, $answer['url']);
        $this->assertSame('/socket.io', $answer['path']);
    }

    public function testPushToUidArrivesAtTheUsersConnection(): void
    {
        $listener = $this->listen('u1');
        $answer = $this->client()->pushToUid('u1', ['text' => 'hi'], ['event' => 'chat']);
        $this->assertTrue($answer['ok']);
        $this->assertTrue($answer['stored']);
        $this->assertSame(1, $answer['online']);
        $push = $listener->waitForPush(['text' => 'hi']);
        $this->assertNotNull($push, 'no push arrived');
        $this->assertSame('chat', $push['event']);
        $this->assertSame($answer['id'], $push['payload']['id']);
    }

    public function testPushBatchAnswersEachPushInOrderAndDeliversInThatOrder(): void
    {
        $listener = $this->listen('ub1');
        $client = $this->client();
        $results = $client->pushBatch([
            ['to' => ['uid' => 'ub1'], 'data' => 'b1'],
            ['to' => ['uid' => 'ub1'], 'data' => 'b2', 'durable' => false],
            ['to' => ['uid' => 'bad uid'], 'data' => 'never'],
            ['to' => ['uid' => 'ub1'], 'data' => 'b3', 'event' => 'chat'],
        ]);
        $this->assertCount(4, $results);
        $this->assertSame([true, true, false, true], array_column($results, 'ok'));
        $this->assertTrue($results[0]['stored']);
        $this->assertFalse($results[1]['stored']);
        $this->assertSame(1, $results[0]['online']);
        $this->assertSame('BAD_REQUEST', $results[2]['error']['code']);
        $this->assertNotNull($listener->waitForPush('b3'), 'the last push did not arrive');
        $this->assertSame(['b1', 'b2', 'b3'], array_map(static function (array $push) {
            return $push['payload']['data'];
        }, $listener->pushes(0.2)));
        $this->assertSame(['b1', 'b3'], array_column($client->messages('ub1')['messages'], 'data'));
    }

    public function testPushBatchWithTheSameKeysStoresNothingTwice(): void
    {
        $client = $this->client();
        $pushes = [
            ['to' => ['uid' => 'ub2'], 'data' => 'once', 'idempotencyKey' => 'batch-ub2-' . bin2hex(random_bytes(6))],
        ];
        $first = $client->pushBatch($pushes);
        $again = $client->pushBatch($pushes);
        $this->assertSame($first[0]['id'], $again[0]['id']);
        $this->assertTrue($again[0]['replayed']);
        $this->assertCount(1, $client->messages('ub2')['messages']);
    }

    public function testPushBatchRefusesAMalformedBatchWhole(): void
    {
        $this->expectException(BadRequestException::class);
        $this->expectExceptionMessage('pushes: must hold 1 to 1000 pushes');
        $this->client()->pushBatch([]);
    }

    public function testPushToUidsTopicAndAll(): void
    {
        $one = $this->listen('u2', ['public.news']);
        $two = $this->listen('u3');
        $client = $this->client();
        $uids = $client->pushToUids(['u2', 'u3'], 'to both', ['durable' => false]);
        $this->assertFalse($uids['stored']);
        $this->assertSame(2, $uids['online']);
        $topic = $client->pushToTopic('public.news', 'news');
        $this->assertNull($topic['online']);
        $all = $client->pushToAll('everyone', ['event' => 'notice']);
        $this->assertTrue($all['ok']);
        $this->assertNotNull($one->waitForPush('to both'));
        $this->assertNotNull($two->waitForPush('to both'));
        $this->assertNotNull($one->waitForPush('news'));
        $this->assertNotNull($one->waitForPush('everyone'));
        $this->assertNotNull($two->waitForPush('everyone'));
        $this->assertCount(0, array_filter($two->pushes(0.3), static function (array $p): bool {
            return $p['payload']['data'] === 'news';
        }), 'u3 is not subscribed to public.news');
    }

    public function testPushToAnotherPlatformDoesNotArrive(): void
    {
        $listener = $this->listen('u4');
        $client = $this->client();
        $client->pushToUid('u4', 'for ios', ['platform' => 'ios', 'ttl' => 60]);
        $client->pushToUid('u4', 'for app', ['platform' => 'app', 'ttl' => 60]);
        $this->assertNotNull($listener->waitForPush('for app'));
        $data = array_map(static function (array $p) {
            return $p['payload']['data'];
        }, $listener->pushes(0.3));
        $this->assertSame(['for app'], $data);
    }

    public function testOnlineListsTheUsersSessions(): void
    {
        $this->listen('u5');
        $answer = $this->client()->online('u5');
        $this->assertTrue($answer['online']);
        $this->assertSame(1, $answer['connections']);
        $this->assertSame(['app'], $answer['platforms']);
        $this->assertFalse($this->client()->online('nobody')['online']);
    }

    public function testKickClosesTheUsersConnections(): void
    {
        $listener = $this->listen('u6');
        $answer = $this->client()->kick('u6', ['platform' => 'app', 'message' => 'bye']);
        $this->assertSame(['ok' => true, 'uid' => 'u6', 'kicked' => 1], $answer);
        $kick = $listener->waitFor(static function (array $line): bool {
            return $line['type'] === 'kick';
        });
        $this->assertNotNull($kick);
        $this->assertSame('admin', $kick['payload']['reason']);
        $this->assertSame('bye', $kick['payload']['message']);
    }

    public function testMessagesPagesThroughStoredPushes(): void
    {
        $client = $this->client();
        $ids = [];
        foreach ([1, 2, 3] as $n) {
            $ids[] = $client->pushToUid('u7', ['n' => $n])['id'];
        }
        $first = $client->messages('u7', ['after' => 0, 'limit' => 2]);
        $this->assertSame([$ids[0], $ids[1]], array_column($first['messages'], 'id'));
        $rest = $client->messages('u7', ['after' => $first['next'], 'limit' => 2]);
        $this->assertSame([$ids[2]], array_column($rest['messages'], 'id'));
        $this->assertNull($rest['next']);
    }

    public function testARepeatedIdempotencyKeyDeliversOnce(): void
    {
        $listener = $this->listen('u8');
        $client = $this->client();
        $key = Client::newIdempotencyKey();
        $first = $client->pushToUid('u8', 'once', ['idempotencyKey' => $key]);
        $again = $client->pushToUid('u8', 'once', ['idempotencyKey' => $key]);
        $this->assertSame($first['id'], $again['id']);
        $this->assertNotNull($listener->waitForPush('once'));
        $this->assertCount(1, $listener->pushes(0.5));
        $this->expectException(IdempotencyMismatchException::class);
        $client->pushToUid('u8', 'another body', ['idempotencyKey' => $key]);
    }

    public function testErrorsAreTheCatalogsExceptions(): void
    {
        try {
            $this->client()->push(['uid' => 'bad uid!'], 'x');
            $this->fail('no exception');
        } catch (BadRequestException $error) {
            $this->assertSame('BAD_REQUEST', $error->getErrorCode());
            $this->assertSame(400, $error->getStatus());
            $this->assertStringContainsString('to.uid', $error->getMessage());
        }
        try {
            (new Client(self::$herald->url, 'wrong-key'))->online('u1');
            $this->fail('no exception');
        } catch (UnauthorizedException $error) {
            $this->assertSame(401, $error->getStatus());
        }
    }

    public function testCallsReuseOneKeepAliveConnection(): void
    {
        $client = $this->client();
        $client->online('u1');
        $client->online('u1');
        $handle = (new \ReflectionProperty(Client::class, 'curl'));
        $handle->setAccessible(true);
        $this->assertSame(0, curl_getinfo($handle->getValue($client), CURLINFO_NUM_CONNECTS), 'the second call opened a new connection');
    }

    public function testNoHeraldIsAConnectionErrorAfterTheRetries(): void
    {
        $client = new Client('http://127.0.0.1:' . HeraldProcess::freePort(), 'k', ['retries' => 2, 'retryDelay' => 0.1]);
        $started = microtime(true);
        try {
            $client->online('u1');
            $this->fail('no exception');
        } catch (ConnectionException $error) {
            $this->assertSame('CONNECTION', $error->getErrorCode());
        }
        // Two back-offs: 0.05-0.1 s, then 0.1-0.2 s.
        $this->assertGreaterThanOrEqual(0.15, microtime(true) - $started);
    }

    public function testTokenWithAnotherSecretOrExpiredIsRejected(): void
    {
        foreach ([
            Token::mint('another-secret-that-is-at-least-32-chars', 'u9', 600),
            Token::mint(HeraldProcess::JWT_SECRET, 'u9', 1, [], time() - 60),
        ] as $token) {
            $listener = new Listener(self::$herald->url, ['token' => $token, 'platform' => 'app']);
            $this->listeners[] = $listener;
            $answer = $listener->loginAnswer();
            $this->assertFalse($answer['ok']);
            $this->assertSame('AUTH_REJECTED', $answer['error']['code']);
        }
    }

    public function testAPushWhoseAnswerWasLostIsRetriedAndDeliveredOnce(): void
    {
        $listener = $this->listen('u11', [], 'cut-device');
        $proxy = proc_open(['node', __DIR__ . '/Support/cut-proxy.js', (string) self::$herald->port, '1'], [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        $this->assertIsResource($proxy);
        try {
            $port = (int) fgets($pipes[1]);
            $client = new Client('http://127.0.0.1:' . $port, HeraldProcess::API_KEY, ['retries' => 2, 'retryDelay' => 0.05]);
            $answer = $client->pushToUid('u11', 'answer lost once');
            $this->assertSame("cut\n", fgets($pipes[1]), 'the first attempt was not cut');
            $this->assertSame("pass\n", fgets($pipes[1]), 'no retry');
        } finally {
            fclose($pipes[0]);
            proc_terminate($proxy);
            proc_close($proxy);
        }
        $this->assertNotNull($listener->waitForPush('answer lost once'));
        $same = array_filter($listener->pushes(1.0), static function (array $p): bool {
            return $p['payload']['data'] === 'answer lost once';
        });
        $this->assertCount(1, $same, 'the retry delivered again');
        $this->assertSame($answer['id'], array_values($same)[0]['payload']['id'], 'the retry did not get the first answer');
        $this->assertCount(1, $this->client()->messages('u11')['messages'], 'stored twice');
    }

    /** Last: it restarts the shared Herald. */
    public function testAPushRetriedThroughARestartArrivesOnce(): void
    {
        $listener = $this->listen('u10', [], 'restart-device');
        self::$herald->stop();
        // Herald comes up while the push retries (connection refused, then 503 until ready).
        self::$herald->spawn();
        $client = $this->client(['retries' => 12, 'retryDelay' => 0.25, 'timeout' => 5.0]);
        $started = microtime(true);
        $answer = $client->pushToUid('u10', 'through the restart');
        $this->assertTrue($answer['stored']);
        // Herald needs seconds to come up: the first attempts failed and were retried.
        $this->assertGreaterThan(0.5, microtime(true) - $started, 'the push did not wait for the restart');
        self::$herald->waitReady();
        $push = $listener->waitForPush('through the restart', 20.0);
        $this->assertNotNull($push, 'the push never arrived: ' . json_encode($listener->lines));
        $this->assertSame($answer['id'], $push['payload']['id']);
        $same = array_filter($listener->pushes(1.0), static function (array $p) use ($answer): bool {
            return $p['payload']['id'] === $answer['id'];
        });
        $this->assertCount(1, $same, 'delivered more than once');
        $stored = array_filter($client->messages('u10')['messages'], static function (array $m): bool {
            return $m['data'] === 'through the restart';
        });
        $this->assertCount(1, $stored, 'stored more than once');
    }
}
