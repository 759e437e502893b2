<?php
/**
 * Herald\Webhook::verify against vectors computed here from the wire format (contract 6b):
 * X-Herald-Signature = "sha256=" . hex HMAC-SHA256("<timestamp>.<body>", secret). The end-to-end
 * test with Herald's webhook sender is WebhookEndToEndTest.
 */

declare(strict_types=1);

namespace Herald\Tests;

use Herald\Exception\HeraldException;
use Herald\Exception\SignatureException;
use Herald\Webhook;
use PHPUnit\Framework\TestCase;

final class WebhookTest extends TestCase
{
    private const SECRET = 'whsec-test-secret';
    private const BODY = '{"events":[{"id":"e1","type":"user.online","at":1795700000000,"uid":"42"},{"id":"e2","type":"message.acked","at":1795700000500,"uid":"42","seq":7}]}';
    private const NOW = 1795700001;

    private static function signature(string $timestamp, string $body = self::BODY, string $secret = self::SECRET): string
    {
        return 'sha256=' . hash_hmac('sha256', $timestamp . '.' . $body, $secret);
    }

    public function testAFixedVector(): void
    {
        // Computed outside PHP: python3 -c "import hmac,hashlib; print(hmac.new(b'whsec-test-secret', b'1795700001.{\"events\":[]}', hashlib.sha256).hexdigest())"
        $expected = '5fce3f23787e1bbb32aab433ee0b463c1c3f46769fbb323edc086e5c9da3a280';
        $this->assertSame($expected, Webhook::sign('whsec-test-secret', '1795700001', '{"events":[]}'));
        $this->assertSame([], Webhook::verify('whsec-test-secret', '{"events":[]}', '1795700001', 'sha256=' . $expected, 300, 1795700001));
    }

    public function testAGoodSignatureGivesTheEvents(): void
    {
        $events = Webhook::verify(self::SECRET, self::BODY, (string) self::NOW, self::signature((string) self::NOW), 300, self::NOW + 10);
        $this->assertSame(['e1', 'e2'], array_column($events, 'id'));
        $this->assertSame('message.acked', $events[1]['type']);
    }

    public function testOneOfSeveralSignaturesMatching(): void
    {
        $header = self::signature((string) self::NOW, self::BODY, 'old-secret') . ', ' . self::signature((string) self::NOW);
        $this->assertCount(2, Webhook::verify(self::SECRET, self::BODY, (string) self::NOW, $header, 300, self::NOW));
    }

    /** @return array<string, array{0: string, 1: ?string, 2: ?string, 3: int}> */
    public function badRequests(): array
    {
        $ts = (string) self::NOW;
        return [
            'another secret' => [self::BODY, $ts, self::signature($ts, self::BODY, 'wrong'), self::NOW],
            'a changed body' => [str_replace('"42"', '"43"', self::BODY), $ts, self::signature($ts), self::NOW],
            'another timestamp signed' => [self::BODY, $ts, self::signature((string) (self::NOW - 1)), self::NOW],
            'too old' => [self::BODY, $ts, self::signature($ts), self::NOW + 301],
            'from the future' => [self::BODY, $ts, self::signature($ts), self::NOW - 301],
            'no signature' => [self::BODY, $ts, null, self::NOW],
            'no timestamp' => [self::BODY, null, self::signature($ts), self::NOW],
            'hex without the prefix' => [self::BODY, $ts, substr(self::signature($ts), 7), self::NOW],
            'not events' => ['{"x":1}', $ts, self::signature($ts, '{"x":1}'), self::NOW],
        ];
    }

    /** @dataProvider badRequests */
    public function testABadRequestThrows(string $body, ?string $timestamp, ?string $signature, int $now): void
    {
        try {
            Webhook::verify(self::SECRET, $body, $timestamp, $signature, 300, $now);
            $this->fail('verified');
        } catch (SignatureException $error) {
            $this->assertSame('SIGNATURE', $error->getErrorCode());
            $this->assertInstanceOf(HeraldException::class, $error);
        }
    }
}
