<?php
/**
 * Herald with Redis (127.0.0.1:6379, a unique key prefix): Herald\RedisPublisher's PUBLISH and
 * XADD reach a connected Socket.IO client, an entry sent twice with one id arrives once, and
 * Herald\Client pushes work the same in this mode.
 */

declare(strict_types=1);

namespace Herald\Tests;

use Herald\Client;
use Herald\RedisPublisher;
use Herald\Tests\Support\HeraldProcess;
use Herald\Tests\Support\Listener;
use Herald\Token;
use PHPUnit\Framework\TestCase;

final class RedisTest extends TestCase
{
    /** @var HeraldProcess|null */
    private static $herald;
    /** @var string */
    private static $prefix;
    /** @var \Redis */
    private static $redis;
    /** @var Listener[] */
    private $listeners = [];

    public static function setUpBeforeClass(): void
    {
        if (!extension_loaded('redis')) {
            return;
        }
        self::$redis = new \Redis();
        if (!@self::$redis->connect('127.0.0.1', 6379, 2.0)) {
            return;
        }
        self::$prefix = 'phpunit-' . bin2hex(random_bytes(4)) . ':';
        self::$herald = new HeraldProcess(['HERALD_REDIS_URL' => 'redis://127.0.0.1:6379', 'HERALD_REDIS_PREFIX' => self::$prefix]);
        self::$herald->start();
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$herald !== null) {
            self::$herald->destroy();
            self::$herald = null;
            $keys = self::$redis->keys(self::$prefix . '*');
            if ($keys !== []) {
                self::$redis->del($keys);
            }
        }
    }

    protected function setUp(): void
    {
        if (self::$herald === null) {
            $this->markTestSkipped('needs the redis extension and Redis at 127.0.0.1:6379');
        }
    }

    protected function tearDown(): void
    {
        foreach ($this->listeners as $listener) {
            $listener->close();
        }
    }

    private function listen(string $uid, array $topics = []): Listener
    {
        $token = Token::mint(HeraldProcess::JWT_SECRET, $uid, 600);
        $listener = new Listener(self::$herald->url, ['token' => $token, 'platform' => 'app', 'device' => 'r1'], $topics);
        $this->listeners[] = $listener;
        $this->assertTrue($listener->loginAnswer()['ok']);
        $listener->waitSubscribed(count($topics));
        return $listener;
    }

    /** Waits until the ingress leader subscribed to PUBLISH (a fresh host elects one within a few seconds). */
    private function publishUntilHeard(RedisPublisher $publisher, array $to, $data, array $options): array
    {
        $deadline = microtime(true) + 15;
        do {
            $sent = $publisher->publish($to, $data, $options);
            if ($sent['receivers'] > 0) {
                return $sent;
            }
            usleep(200000);
        } while (microtime(true) < $deadline);
        $this->fail('no Herald subscribed to ' . self::$prefix . 'push');
    }

    public function testPublishReachesAConnectedClientOnceForOneId(): void
    {
        $listener = $this->listen('r1');
        $publisher = new RedisPublisher(self::$redis, self::$prefix);
        $sent = $this->publishUntilHeard($publisher, ['uid' => 'r1'], ['via' => 'publish'], ['event' => 'order.paid', 'idempotencyKey' => 'pub-1']);
        $this->assertSame('pub-1', $sent['id']);
        $again = $publisher->publish(['uid' => 'r1'], ['via' => 'publish'], ['event' => 'order.paid', 'idempotencyKey' => 'pub-1']);
        $this->assertSame(1, $again['receivers']);
        $push = $listener->waitForPush(['via' => 'publish']);
        $this->assertNotNull($push);
        $this->assertSame('order.paid', $push['event']);
        $this->assertCount(1, $listener->pushes(1.0), 'the same id was delivered twice');
    }

    public function testAddToTheStreamReachesATopicSubscriber(): void
    {
        $listener = $this->listen('r2', ['public.redis']);
        $publisher = new RedisPublisher(self::$redis, self::$prefix);
        $first = $publisher->add(['topic' => 'public.redis'], 'from the stream', ['ttl' => 60]);
        $this->assertMatchesRegularExpression('/^\d+-\d+$/', $first['entry']);
        // The same entry again (an XADD retried after a timeout): handled once.
        $publisher->add(['topic' => 'public.redis'], 'from the stream', ['ttl' => 60, 'idempotencyKey' => $first['id']]);
        $publisher->add(['topic' => 'public.redis'], 'second');
        $this->assertNotNull($listener->waitForPush('second', 15.0));
        $data = array_map(static function (array $p) {
            return $p['payload']['data'];
        }, $listener->pushes(0.5));
        $this->assertSame(['from the stream', 'second'], $data);
    }

    public function testClientPushesInRedisMode(): void
    {
        $listener = $this->listen('r3');
        $client = new Client(self::$herald->url, HeraldProcess::API_KEY);
        $answer = $client->pushToUid('r3', 'over http');
        $this->assertSame(1, $answer['online']);
        $this->assertNotNull($listener->waitForPush('over http'));
        $this->assertTrue($client->online('r3')['online']);
    }
}
