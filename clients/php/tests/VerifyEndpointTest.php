<?php
/**
 * Herald\VerifyEndpoint served by `php -S` as the http verifier of a real Herald
 * (auth.verifier http): a ukey login end to end, a rejected one, an outage; and the answers'
 * exact shape.
 */

declare(strict_types=1);

namespace Herald\Tests;

use Herald\Client;
use Herald\Tests\Support\HeraldProcess;
use Herald\Tests\Support\Listener;
use Herald\Tests\Support\PhpServer;
use Herald\VerifyEndpoint;
use PHPUnit\Framework\TestCase;

final class VerifyEndpointTest extends TestCase
{
    /** @var PhpServer */
    private static $site;
    /** @var HeraldProcess */
    private static $herald;
    /** @var string */
    private static $log;
    /** @var Listener[] */
    private $listeners = [];

    public static function setUpBeforeClass(): void
    {
        self::$log = (string) tempnam(sys_get_temp_dir(), 'herald-verify-log');
        self::$site = new PhpServer(__DIR__ . '/Support/verify-router.php', ['VERIFY_LOG' => self::$log]);
        self::$herald = new HeraldProcess([
            'HERALD_AUTH_VERIFIER' => 'http',
            'HERALD_AUTH_URL' => self::$site->url . '/herald/verify',
            'HERALD_AUTH_CACHE_TTL' => '0',
        ]);
        self::$herald->start();
    }

    public static function tearDownAfterClass(): void
    {
        self::$herald->destroy();
        self::$site->stop();
        unlink(self::$log);
    }

    protected function tearDown(): void
    {
        foreach ($this->listeners as $listener) {
            $listener->close();
        }
    }

    private function login(array $login): array
    {
        $listener = new Listener(self::$herald->url, $login);
        $this->listeners[] = $listener;
        return $listener->loginAnswer();
    }

    public function testAUkeyLogsInThroughTheMainSite(): void
    {
        $answer = $this->login(['ukey' => 'good-ukey-77', 'platform' => 'web']);
        $this->assertTrue($answer['ok'], json_encode($answer));
        $this->assertSame('77', $answer['uid']);
        $asked = array_map('json_decode', file(self::$log, FILE_IGNORE_NEW_LINES) ?: []);
        $this->assertContains(['ukey', 'good-ukey-77', 'web', '127.0.0.1'], $asked);
        // And the user is reachable by the main site's pushes.
        $this->assertTrue((new Client(self::$herald->url, HeraldProcess::API_KEY))->online('77')['online']);
    }

    public function testAnUnknownUkeyIsRejected(): void
    {
        $answer = $this->login(['ukey' => 'stolen', 'platform' => 'web']);
        $this->assertFalse($answer['ok']);
        $this->assertSame('AUTH_REJECTED', $answer['error']['code']);
    }

    public function testAFailingCheckIsAnOutageNotARejection(): void
    {
        $answer = $this->login(['token' => 'down', 'platform' => 'app']);
        $this->assertFalse($answer['ok']);
        $this->assertSame('AUTH_UNAVAILABLE', $answer['error']['code']);
    }

    public function testAnswersInTheShapeHeraldsDefaultsRead(): void
    {
        $check = static function (string $type, string $value, string $platform, string $ip): ?string {
            return $value === 'ok' ? '42' : null;
        };
        $this->assertSame([200, ['code' => 0, 'data' => ['uid' => '42']]], VerifyEndpoint::answer('{"type":"token","value":"ok","platform":"ios","ip":"1.2.3.4"}', $check));
        $this->assertSame(401, VerifyEndpoint::answer('{"type":"ukey","value":"no","platform":"web","ip":"1.2.3.4"}', $check)[0]);
        $this->assertSame(400, VerifyEndpoint::answer('{"type":"password","value":"ok"}', $check)[0]);
        $this->assertSame(400, VerifyEndpoint::answer('not json', $check)[0]);
    }
}
