<?php
/**
 * Webhooks end to end: a real Herald (one worker, one task process, embedded SQLite) sends its
 * webhooks to Support/webhook-receiver.php served by `php -S`, which checks every request with
 * Herald\Webhook::verify and writes each event down. Real Socket.IO clients (Support/listener.js)
 * log in with Herald\Token tokens and ack durable pushes, so the events are the real ones:
 * user.online, message.acked, user.offline after the debounce (1 s here). Then the receiver is
 * down for 30 s while users come and go, and every event must arrive once (after dedupe on `id`)
 * and in order per user once it is back. A request signed with another secret is refused (401).
 */

declare(strict_types=1);

namespace Herald\Tests;

use Herald\Client;
use Herald\Tests\Support\HeraldProcess;
use Herald\Tests\Support\Listener;
use Herald\Tests\Support\PhpServer;
use Herald\Token;
use PHPUnit\Framework\TestCase;

final class WebhookEndToEndTest extends TestCase
{
    private const SECRET = 'phpunit-webhook-secret-0123456789abcdef';
    /** How long the receiver is down in the outage test, in seconds. */
    private const OUTAGE = 30.0;
    /**
     * How long after the receiver is back every event must have arrived, in seconds: Herald's
     * back-off doubles from 1 s, so after a 30 s outage the next try is at most 32 s away.
     */
    private const CATCH_UP = 35.0;

    /** @var HeraldProcess */
    private static $herald;
    /** @var PhpServer|null */
    private static $receiver;
    /** @var string */
    private static $log;
    /** @var string */
    private static $rejected;
    /** @var Listener[] */
    private $listeners = [];

    public static function setUpBeforeClass(): void
    {
        $base = sys_get_temp_dir() . '/herald-phpunit-webhooks-' . bin2hex(random_bytes(4));
        self::$log = $base . '.events';
        self::$rejected = $base . '.rejected';
        touch(self::$log);
        touch(self::$rejected);
        self::$receiver = self::startReceiver();
        self::$herald = new HeraldProcess([
            'HERALD_WEBHOOK_URLS' => self::$receiver->url . '/webhooks/herald',
            'HERALD_WEBHOOK_SECRET' => self::SECRET,
            'HERALD_WEBHOOK_DEBOUNCE' => '1',
            'HERALD_WEBHOOK_TIMEOUT' => '2',
            'HERALD_TASK_PROCESSES' => '1',
        ]);
        self::$herald->start();
    }

    public static function tearDownAfterClass(): void
    {
        self::$herald->destroy();
        if (self::$receiver !== null) {
            self::$receiver->stop();
        }
        @unlink(self::$log);
        @unlink(self::$rejected);
    }

    protected function tearDown(): void
    {
        foreach ($this->listeners as $listener) {
            $listener->close();
        }
    }

    private static function startReceiver(?int $port = null): PhpServer
    {
        return new PhpServer(
            __DIR__ . '/Support/webhook-receiver.php',
            ['WEBHOOK_SECRET' => self::SECRET, 'WEBHOOK_LOG' => self::$log, 'WEBHOOK_REJECTED' => self::$rejected],
            $port
        );
    }

    /** A logged-in Socket.IO client of $uid on device $device (it acks every durable push). */
    private function listen(string $uid, string $device = 'd1'): Listener
    {
        $token = Token::mint(HeraldProcess::JWT_SECRET, $uid, 600, ['platform' => 'app']);
        $listener = new Listener(self::$herald->url, ['token' => $token, 'platform' => 'app', 'device' => $device]);
        $this->listeners[] = $listener;
        $answer = $listener->loginAnswer();
        $this->assertTrue($answer['ok'] ?? false, 'login: ' . json_encode($answer));
        return $listener;
    }

    private function close(Listener $listener): void
    {
        $listener->close();
        $this->listeners = array_values(array_filter($this->listeners, static function (Listener $l) use ($listener): bool {
            return $l !== $listener;
        }));
    }

    /** Pushes durably to $uid and waits until the listener's ack of it is committed; returns its seq. */
    private function pushAndAck(Listener $listener, string $uid, string $text): int
    {
        $answer = (new Client(self::$herald->url, HeraldProcess::API_KEY))->pushToUid($uid, $text);
        $this->assertTrue($answer['stored'], 'a durable push');
        $push = $listener->waitForPush($text);
        $this->assertNotNull($push, 'the push never arrived: ' . json_encode($listener->lines));
        $seq = $push['payload']['seq'];
        $acked = $listener->waitFor(static function (array $line) use ($seq): bool {
            return $line['type'] === 'acked' && $line['seq'] === $seq;
        });
        $this->assertNotNull($acked, 'no ack answer: ' . json_encode($listener->lines));
        $this->assertTrue($acked['answer']['ok'] ?? false, 'the ack: ' . json_encode($acked));
        return $seq;
    }

    /** Every event line the receiver wrote, as received (a retried batch may repeat some). @return array<int, array<string, mixed>> */
    private static function received(): array
    {
        $events = [];
        foreach (file(self::$log, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
            $events[] = json_decode($line, true);
        }
        return $events;
    }

    /** The events of $uid, first arrival of each id, in arrival order. @return array<int, array<string, mixed>> */
    private static function ofUser(string $uid): array
    {
        $seen = [];
        $mine = [];
        foreach (self::received() as $event) {
            if ($event['uid'] !== $uid || isset($seen[$event['id']])) {
                continue;
            }
            $seen[$event['id']] = true;
            $mine[] = $event;
        }
        return $mine;
    }

    /** Waits until $uid has $count events (after dedupe); returns them. @return array<int, array<string, mixed>> */
    private function waitForEvents(string $uid, int $count, float $timeout): array
    {
        $deadline = microtime(true) + $timeout;
        while (count(self::ofUser($uid)) < $count && microtime(true) < $deadline) {
            usleep(50000);
        }
        $mine = self::ofUser($uid);
        $this->assertGreaterThanOrEqual($count, count($mine), "{$uid}'s events within {$timeout} s: " . json_encode($mine));
        return $mine;
    }

    /** @return string[] */
    private static function types(array $events): array
    {
        return array_column($events, 'type');
    }

    /** Posts $body to the receiver with these headers; returns the status. */
    private static function post(string $body, string $timestamp, string $signature): int
    {
        $curl = curl_init(self::$receiver->url . '/webhooks/herald');
        curl_setopt_array($curl, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => $body,
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', "X-Herald-Timestamp: {$timestamp}", "X-Herald-Signature: {$signature}"],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => 5,
        ]);
        curl_exec($curl);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        return $status;
    }

    public function testTheReceiverRefusesAWrongSignature(): void
    {
        $timestamp = (string) time();
        $body = '{"events":[{"id":"evt_forged","type":"user.online","at":' . (time() * 1000) . ',"uid":"forged"}]}';
        $this->assertSame(401, self::post($body, $timestamp, 'sha256=' . hash_hmac('sha256', "{$timestamp}.{$body}", 'another-secret-0123456789abcdef')));
        $tampered = str_replace('"forged"', '"admin"', $body);
        $this->assertSame(401, self::post($tampered, $timestamp, 'sha256=' . hash_hmac('sha256', "{$timestamp}.{$body}", self::SECRET)));
        $this->assertSame(401, self::post($body, (string) (time() - 3600), 'sha256=' . hash_hmac('sha256', (time() - 3600) . ".{$body}", self::SECRET)));
        $this->assertSame([], self::ofUser('forged'));
        $this->assertSame([], self::ofUser('admin'));
        $reasons = array_map(static function (string $line): string {
            return json_decode($line, true)['error'];
        }, file(self::$rejected, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: []);
        $this->assertSame(['X-Herald-Signature does not match', 'X-Herald-Signature does not match', 'X-Herald-Timestamp is more than 300 s away from now'], $reasons);
        // The control: the same receiver takes a request signed with the right secret.
        $this->assertSame(200, self::post($body, $timestamp, 'sha256=' . hash_hmac('sha256', "{$timestamp}.{$body}", self::SECRET)));
        $this->assertSame(['evt_forged'], array_column(self::ofUser('forged'), 'id'));
    }

    public function testOnlineAckedAndOfflineAfterTheDebounceArriveSigned(): void
    {
        $rejectedBefore = count(file(self::$rejected) ?: []);
        $uid = 'wh-' . bin2hex(random_bytes(3));
        $loginAt = microtime(true);
        $listener = $this->listen($uid, 'phone-1');
        $online = $this->waitForEvents($uid, 1, 10)[0];
        $this->assertSame('user.online', $online['type']);
        $this->assertMatchesRegularExpression('/^evt_[0-9a-f]{32}$/', $online['id']);
        $this->assertEqualsWithDelta($loginAt * 1000, $online['at'], 10000);

        $seq = $this->pushAndAck($listener, $uid, 'hello');
        $acked = $this->waitForEvents($uid, 2, 10)[1];
        $this->assertSame('message.acked', $acked['type']);
        $this->assertSame('phone-1', $acked['device']);
        $this->assertSame($seq, $acked['seq']);

        $leftAt = microtime(true);
        $this->close($listener);
        $offline = $this->waitForEvents($uid, 3, 10)[2];
        $this->assertSame('user.offline', $offline['type']);
        $this->assertGreaterThanOrEqual(0.9, microtime(true) - $leftAt, 'user.offline waits for the 1 s debounce');
        usleep(1500000); // a few sender rounds more: nothing else comes
        $mine = self::ofUser($uid);
        $this->assertSame(['user.online', 'message.acked', 'user.offline'], self::types($mine));
        $this->assertSame(array_column($mine, 'at'), self::sorted(array_column($mine, 'at')));
        $this->assertCount($rejectedBefore, file(self::$rejected) ?: [], 'every request from Herald passed Webhook::verify: ' . (string) file_get_contents(self::$rejected));
    }

    public function testEveryEventArrivesOnceInOrderAfterA30SecondOutage(): void
    {
        $uids = ['wh-a-' . bin2hex(random_bytes(3)), 'wh-b-' . bin2hex(random_bytes(3)), 'wh-c-' . bin2hex(random_bytes(3))];
        $port = self::$receiver->port;
        $failedBefore = $this->failedSends();
        self::$receiver->stop();
        self::$receiver = null;
        $downAt = microtime(true);

        $seqs = [];
        for ($round = 0; $round < 2; $round++) {
            foreach ($uids as $i => $uid) {
                $listener = $this->listen($uid, 'd' . $i);
                $seqs[$uid][] = $this->pushAndAck($listener, $uid, "round {$round}");
                $this->close($listener);
            }
            usleep(1100000); // past the debounce: each user's offline is a real one
        }
        $produced = microtime(true) - $downAt;
        $this->assertLessThan(self::OUTAGE - 5, $produced, 'the events were produced while the receiver was down');
        $this->assertGreaterThan($failedBefore, $this->failedSends(), 'Herald tried the receiver while it was down');

        usleep((int) ((self::OUTAGE - (microtime(true) - $downAt)) * 1e6));
        self::$receiver = self::startReceiver($port);
        $backAt = microtime(true);
        foreach ($uids as $uid) {
            $this->waitForEvents($uid, 6, self::CATCH_UP - (microtime(true) - $backAt));
        }
        $caughtUp = microtime(true) - $backAt;
        usleep(1500000); // a few sender rounds more: nothing else comes

        $expected = ['user.online', 'message.acked', 'user.offline', 'user.online', 'message.acked', 'user.offline'];
        foreach ($uids as $uid) {
            $mine = self::ofUser($uid);
            $this->assertSame($expected, self::types($mine), "{$uid}: " . json_encode($mine));
            $this->assertSame($seqs[$uid], array_column(array_values(array_filter($mine, static function (array $e): bool {
                return $e['type'] === 'message.acked';
            })), 'seq'));
            $times = array_column($mine, 'at');
            $this->assertSame(self::sorted($times), $times, "{$uid}'s events in order of time");
        }
        $all = array_values(array_filter(self::received(), static function (array $e) use ($uids): bool {
            return in_array($e['uid'], $uids, true);
        }));
        $this->assertCount(18, array_unique(array_column($all, 'id')));
        $this->assertLessThan(self::CATCH_UP, $caughtUp);
        fwrite(STDERR, sprintf("\n      webhook outage: events produced in %.1f s, receiver down %.1f s, all 18 arrived %.1f s after it was back (%d lines, %d after dedupe)\n", $produced, $backAt - $downAt, $caughtUp, count($all), count(array_unique(array_column($all, 'id')))));
    }

    /** herald_webhook_events_total{result="failed"} summed over types, from /metrics. */
    private function failedSends(): int
    {
        $metrics = (string) file_get_contents(self::$herald->url . '/metrics');
        preg_match_all('/^herald_webhook_events_total\{[^}]*result="failed"[^}]*\} (\d+)/m', $metrics, $m);
        return (int) array_sum($m[1]);
    }

    /** @param array<int, int> $values @return array<int, int> */
    private static function sorted(array $values): array
    {
        sort($values);
        return $values;
    }
}
