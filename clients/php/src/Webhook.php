<?php
/**
 * Checks a webhook request from Herald (contract 6b): body `{ "events": [ { "id", "type", "at", ... } ] }`,
 * headers `X-Herald-Timestamp: <unix seconds>` and `X-Herald-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>">`. The timestamp must be within $tolerance seconds of now, which stops a
 * captured request from being replayed later; the comparison is constant-time (hash_equals).
 * Several signatures separated by commas are accepted (one per secret while a secret is rotated).
 * Events carry an `id`: a receiver dedupes on it, since a retried batch may arrive again.
 */

declare(strict_types=1);

namespace Herald;

use Herald\Exception\SignatureException;

final class Webhook
{
    /**
     * @param string $rawBody the request body exactly as received (file_get_contents('php://input'))
     * @param string|null $timestampHeader $_SERVER['HTTP_X_HERALD_TIMESTAMP']
     * @param string|null $signatureHeader $_SERVER['HTTP_X_HERALD_SIGNATURE']
     * @param int $tolerance seconds the timestamp may differ from now
     * @return array<int, array<string, mixed>> the events
     * @throws SignatureException
     */
    public static function verify(string $secret, string $rawBody, ?string $timestampHeader, ?string $signatureHeader, int $tolerance = 300, ?int $now = null): array
    {
        if ($secret === '') {
            throw new SignatureException('no webhook secret configured');
        }
        $timestamp = trim((string) $timestampHeader);
        if (!preg_match('/^\d{1,12}$/', $timestamp)) {
            throw new SignatureException('X-Herald-Timestamp is missing or not unix seconds');
        }
        if (abs(($now ?? time()) - (int) $timestamp) > $tolerance) {
            throw new SignatureException("X-Herald-Timestamp is more than {$tolerance} s away from now");
        }
        $expected = 'sha256=' . self::sign($secret, $timestamp, $rawBody);
        $matched = false;
        foreach (explode(',', (string) $signatureHeader) as $candidate) {
            // No early exit: every candidate is compared.
            $matched = hash_equals($expected, trim($candidate)) || $matched;
        }
        if (!$matched) {
            throw new SignatureException('X-Herald-Signature does not match');
        }
        $body = json_decode($rawBody, true);
        if (!is_array($body) || !isset($body['events']) || !is_array($body['events'])) {
            throw new SignatureException('the body is not {"events": [...]}');
        }
        return array_values($body['events']);
    }

    /** The hex HMAC-SHA256 of "<timestamp>.<body>": what Herald sends after `sha256=`. */
    public static function sign(string $secret, string $timestamp, string $rawBody): string
    {
        return hash_hmac('sha256', $timestamp . '.' . $rawBody, $secret);
    }
}
