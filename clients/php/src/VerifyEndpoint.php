<?php
/**
 * The main site's verification API for Herald's `http` verifier (auth.verifier: http,
 * auth.http.url pointing here). Herald POSTs `{ "type": "ukey"|"token", "value", "platform", "ip" }`
 * as JSON; with its default settings it reads the answer as:
 *
 * - 200 `{"code":0,"data":{"uid":"42"}}`: the credential is good, the user is 42;
 * - 401 `{"code":1001,...}` (any 4xx, or a code other than 0): rejected, login fails AUTH_REJECTED;
 * - 503 (any 5xx, or no answer in auth.http.timeoutMs): unavailable, login fails AUTH_UNAVAILABLE.
 *
 * handle() does the I/O of one PHP request; answer() is the same decision without I/O (for
 * frameworks: turn its [status, body] into your response object).
 */

declare(strict_types=1);

namespace Herald;

final class VerifyEndpoint
{
    /**
     * Answers the current request and returns. $check gets (type, value, platform, ip) and returns
     * the uid, or null to reject; an exception it throws answers 503 (try again later).
     *
     * @param callable(string, string, string, string): (string|int|null) $check
     */
    public static function handle(callable $check): void
    {
        $method = isset($_SERVER['REQUEST_METHOD']) ? (string) $_SERVER['REQUEST_METHOD'] : 'POST';
        if ($method !== 'POST') {
            $status = 405;
            $body = ['code' => 1002, 'message' => 'POST the credential as JSON'];
        } else {
            list($status, $body) = self::answer((string) file_get_contents('php://input'), $check);
        }
        http_response_code($status);
        header('Content-Type: application/json');
        header('Cache-Control: no-store');
        echo json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    }

    /**
     * @param callable(string, string, string, string): (string|int|null) $check
     * @return array{0: int, 1: array<string, mixed>} [HTTP status, JSON body]
     */
    public static function answer(string $rawBody, callable $check): array
    {
        $request = json_decode($rawBody, true);
        if (!is_array($request)
            || !isset($request['type'], $request['value'])
            || !in_array($request['type'], ['ukey', 'token'], true)
            || !is_string($request['value'])
        ) {
            return [400, ['code' => 1002, 'message' => 'expected {"type":"ukey"|"token","value","platform","ip"}']];
        }
        $platform = isset($request['platform']) && is_string($request['platform']) ? $request['platform'] : '';
        $ip = isset($request['ip']) && is_string($request['ip']) ? $request['ip'] : '';
        try {
            $uid = $check($request['type'], $request['value'], $platform, $ip);
        } catch (\Throwable $error) {
            return [503, ['code' => 1003, 'message' => 'verification failed; try again later']];
        }
        if ($uid === null || $uid === '' || $uid === false) {
            return [401, ['code' => 1001, 'message' => 'credential rejected']];
        }
        return [200, ['code' => 0, 'data' => ['uid' => (string) $uid]]];
    }
}
