<?php
/**
 * Herald's HTTP API for the main site (docs/API.md): pushes, online, kick, messages, endpoint.
 *
 * - One curl handle per Client, reused for every call, so pushes ride one keep-alive connection
 *   (Herald keeps connections that carry an Authorization header).
 * - Retries on connection errors, 503, 429 and 409 IDEMPOTENCY_IN_PROGRESS, with exponential
 *   back-off and jitter, or after the Retry-After Herald asked for.
 * - Every push carries ONE Idempotency-Key, generated per logical push (or yours), the same on
 *   every retry: a push whose answer was lost is retried and delivered at most once.
 */

declare(strict_types=1);

namespace Herald;

use Herald\Exception\ConnectionException;
use Herald\Exception\ErrorCatalog;
use Herald\Exception\HeraldException;

class Client
{
    /** Defaults of the constructor's $options. */
    public const DEFAULT_OPTIONS = [
        'timeout' => 5.0,          // seconds per attempt
        'connectTimeout' => 2.0,   // seconds to open a connection
        'retries' => 3,            // extra attempts on connection errors, 503, 429, 409 in progress
        'retryDelay' => 0.2,       // seconds before the first retry; doubled each time, with jitter
        'maxRetryAfter' => 10.0,   // longest wait between attempts: back-off stops growing here, a longer Retry-After is thrown
    ];

    /** Push options copied into the request body. */
    private const PUSH_FIELDS = ['event', 'platform', 'durable', 'ttl'];

    /** @var string */
    private $baseUrl;
    /** @var string */
    private $apiKey;
    /** @var array<string, mixed> */
    private $options;
    /** @var resource|\CurlHandle|null */
    private $curl;

    /**
     * @param string $baseUrl e.g. `http://127.0.0.1:9501`
     * @param string $apiKey one of Herald's `apiKeys`
     * @param array<string, mixed> $options see DEFAULT_OPTIONS
     */
    public function __construct(string $baseUrl, string $apiKey, array $options = [])
    {
        $unknown = array_diff(array_keys($options), array_keys(self::DEFAULT_OPTIONS));
        if ($unknown !== []) {
            throw new \InvalidArgumentException('Herald\Client: unknown option(s) ' . implode(', ', $unknown));
        }
        $this->baseUrl = rtrim($baseUrl, '/');
        $this->apiKey = $apiKey;
        $this->options = array_merge(self::DEFAULT_OPTIONS, $options);
    }

    public function __destruct()
    {
        $this->close();
    }

    /** Closes the kept connection; the next call opens a new one. */
    public function close(): void
    {
        if ($this->curl !== null) {
            curl_close($this->curl);
            $this->curl = null;
        }
    }

    /**
     * POST /api/v1/push.
     *
     * @param array<string, mixed> $to exactly one of ['uid' => '42'], ['uids' => [...]], ['topic' => 'news'], ['all' => true]
     * @param mixed $data any JSON value
     * @param array<string, mixed> $options event, platform, durable, ttl, idempotencyKey
     * @return array<string, mixed> ['ok' => true, 'id' => ..., 'stored' => bool, 'online' => ?int]
     */
    public function push(array $to, $data, array $options = []): array
    {
        $body = ['to' => $to, 'data' => $data];
        foreach (self::PUSH_FIELDS as $field) {
            if (array_key_exists($field, $options)) {
                $body[$field] = $options[$field];
            }
        }
        $key = isset($options['idempotencyKey']) ? (string) $options['idempotencyKey'] : self::newIdempotencyKey();
        return $this->request('POST', '/api/v1/push', $body, ['Idempotency-Key: ' . $key]);
    }

    /**
     * POST /api/v1/push/batch: up to 1,000 pushes in one call, answered one by one, in order.
     * Durable pushes are committed together; each user receives the pushes in this order.
     *
     * Each push is an array as the body of push(): ['to' => ['uid' => '42'], 'data' => ...,
     * 'event' => ..., 'platform' => ..., 'durable' => ..., 'ttl' => ..., 'idempotencyKey' => ...].
     * A push without an 'idempotencyKey' gets one generated here, the same on every retry of the
     * call, so a retried batch delivers nothing twice.
     *
     * A malformed batch throws (BadRequestException: not 1-1,000 pushes, or too many recipients);
     * a bad push does not throw: its answer is ['ok' => false, 'error' => ['code' => ..., 'message' => ...]].
     *
     * @param array<int, array<string, mixed>> $pushes
     * @return array<int, array<string, mixed>> one answer per push, in order: ['ok' => true, 'id' => ..., 'stored' => bool, 'online' => ?int] or ['ok' => false, 'error' => [...]]
     */
    public function pushBatch(array $pushes): array
    {
        $items = [];
        foreach (array_values($pushes) as $push) {
            if (is_array($push) && !array_key_exists('idempotencyKey', $push)) {
                $push['idempotencyKey'] = self::newIdempotencyKey();
            }
            $items[] = $push;
        }
        $answer = $this->request('POST', '/api/v1/push/batch', ['pushes' => $items]);
        return $answer['results'];
    }

    /** @param mixed $data @param array<string, mixed> $options @return array<string, mixed> */
    public function pushToUid(string $uid, $data, array $options = []): array
    {
        return $this->push(['uid' => $uid], $data, $options);
    }

    /** @param string[] $uids @param mixed $data @param array<string, mixed> $options @return array<string, mixed> */
    public function pushToUids(array $uids, $data, array $options = []): array
    {
        return $this->push(['uids' => array_values($uids)], $data, $options);
    }

    /** @param mixed $data @param array<string, mixed> $options @return array<string, mixed> */
    public function pushToTopic(string $topic, $data, array $options = []): array
    {
        return $this->push(['topic' => $topic], $data, $options);
    }

    /** @param mixed $data @param array<string, mixed> $options @return array<string, mixed> */
    public function pushToAll($data, array $options = []): array
    {
        return $this->push(['all' => true], $data, $options);
    }

    /** GET /api/v1/online/:uid. @return array<string, mixed> */
    public function online(string $uid): array
    {
        return $this->request('GET', '/api/v1/online/' . rawurlencode($uid));
    }

    /**
     * POST /api/v1/kick: every connection of the user, or those on $options['platform'].
     *
     * @param array<string, mixed> $options platform, reason ('admin' | 'logout'), message
     * @return array<string, mixed> ['ok' => true, 'uid' => ..., 'kicked' => int]
     */
    public function kick(string $uid, array $options = []): array
    {
        return $this->request('POST', '/api/v1/kick', array_merge($options, ['uid' => $uid]));
    }

    /**
     * GET /api/v1/users/:uid/messages: stored durable messages, oldest first.
     *
     * @param array<string, int> $options after (seq), limit
     * @return array<string, mixed> ['ok' => true, 'uid' => ..., 'messages' => [...], 'next' => ?int]
     */
    public function messages(string $uid, array $options = []): array
    {
        $query = http_build_query(array_intersect_key($options, ['after' => 0, 'limit' => 0]));
        return $this->request('GET', '/api/v1/users/' . rawurlencode($uid) . '/messages' . ($query === '' ? '' : '?' . $query));
    }

    /** GET /api/v1/endpoint: where clients connect and the rules they follow. @return array<string, mixed> */
    public function endpoint(): array
    {
        return $this->request('GET', '/api/v1/endpoint');
    }

    /** A random UUID v4: one per logical push. */
    public static function newIdempotencyKey(): string
    {
        $bytes = random_bytes(16);
        $bytes[6] = chr((ord($bytes[6]) & 0x0f) | 0x40);
        $bytes[8] = chr((ord($bytes[8]) & 0x3f) | 0x80);
        return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($bytes), 4));
    }

    /**
     * One call with its retries. Every route is safe to repeat: reads change nothing, a kick
     * kicks nobody twice, and a push carries its Idempotency-Key.
     *
     * @param array<string, mixed>|null $body
     * @param string[] $headers
     * @return array<string, mixed>
     */
    private function request(string $method, string $path, ?array $body = null, array $headers = []): array
    {
        $json = null;
        if ($body !== null) {
            $json = json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
            if ($json === false) {
                throw new \InvalidArgumentException('Herald\Client: the body cannot be encoded as JSON: ' . json_last_error_msg());
            }
        }
        $retries = max(0, (int) $this->options['retries']);
        for ($attempt = 0; ; $attempt++) {
            try {
                return $this->attempt($method, $path, $json, $headers);
            } catch (HeraldException $error) {
                if ($attempt >= $retries || !self::isRetryable($error)) {
                    throw $error;
                }
                $wait = $this->backOff($attempt, $error->getRetryAfter());
                if ($wait === null) {
                    throw $error;
                }
                usleep((int) round($wait * 1e6));
            }
        }
    }

    /** @param string[] $headers @return array<string, mixed> */
    private function attempt(string $method, string $path, ?string $json, array $headers): array
    {
        $curl = $this->handle();
        $responseHeaders = [];
        $sent = array_merge(['Authorization: Bearer ' . $this->apiKey, 'Accept: application/json'], $headers);
        if ($json !== null) {
            $sent[] = 'Content-Type: application/json';
        }
        curl_setopt_array($curl, [
            CURLOPT_URL => $this->baseUrl . $path,
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_HTTPHEADER => $sent,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT_MS => (int) round((float) $this->options['timeout'] * 1000),
            CURLOPT_CONNECTTIMEOUT_MS => (int) round((float) $this->options['connectTimeout'] * 1000),
            CURLOPT_NOSIGNAL => true,
            CURLOPT_HEADERFUNCTION => static function ($handle, string $line) use (&$responseHeaders): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $responseHeaders[strtolower(trim($parts[0]))] = trim($parts[1]);
                }
                return strlen($line);
            },
        ]);
        if ($json !== null) {
            curl_setopt($curl, CURLOPT_POSTFIELDS, $json);
        }
        $raw = curl_exec($curl);
        if ($raw === false) {
            $message = curl_error($curl);
            // A broken handle must not poison the next call.
            $this->close();
            throw new ConnectionException("Herald at {$this->baseUrl} did not answer {$method} {$path}: {$message}");
        }
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        $answer = json_decode((string) $raw, true);
        if ($status >= 200 && $status < 300 && is_array($answer)) {
            return $answer;
        }
        throw self::errorFor($status, $answer, $responseHeaders['retry-after'] ?? null);
    }

    /** @return resource|\CurlHandle */
    private function handle()
    {
        if ($this->curl === null) {
            $curl = curl_init();
            if ($curl === false) {
                throw new ConnectionException('curl_init failed');
            }
            $this->curl = $curl;
        } else {
            // Forgets the previous call's options, keeps the connection.
            curl_reset($this->curl);
        }
        return $this->curl;
    }

    /** @param mixed $answer */
    private static function errorFor(int $status, $answer, ?string $retryAfterHeader): HeraldException
    {
        $retryAfter = is_numeric($retryAfterHeader) ? (float) $retryAfterHeader : null;
        $error = is_array($answer) && isset($answer['error']) && is_array($answer['error']) ? $answer['error'] : null;
        if ($error !== null && isset($error['code']) && is_string($error['code'])) {
            if ($retryAfter === null && isset($error['retryAfter']) && is_numeric($error['retryAfter'])) {
                $retryAfter = (float) $error['retryAfter'];
            }
            $message = isset($error['message']) && is_string($error['message']) ? $error['message'] : $error['code'];
            return ErrorCatalog::exceptionFor($error['code'], $message, $status, $retryAfter);
        }
        // Not Herald's JSON (a proxy in front, a 2xx that is not JSON): the status decides.
        $code = $status === 429 ? 'RATE_LIMITED' : ($status === 503 || $status === 502 || $status === 504 ? 'UNAVAILABLE' : ($status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'));
        return ErrorCatalog::exceptionFor($code, "Herald answered HTTP {$status} without a readable error", $status, $retryAfter);
    }

    private static function isRetryable(HeraldException $error): bool
    {
        return $error instanceof ConnectionException
            || $error->getStatus() === 503
            || $error->getStatus() === 429
            || $error->getErrorCode() === 'IDEMPOTENCY_IN_PROGRESS';
    }

    /** Seconds to wait before the next attempt, or null when Herald asks for longer than maxRetryAfter. */
    private function backOff(int $attempt, ?float $retryAfter): ?float
    {
        if ($retryAfter !== null) {
            return $retryAfter <= (float) $this->options['maxRetryAfter'] ? $retryAfter : null;
        }
        $ceiling = min((float) $this->options['retryDelay'] * (2 ** $attempt), (float) $this->options['maxRetryAfter']);
        // "Equal jitter": half fixed, half random, so retries of many callers spread out.
        return $ceiling / 2 + $ceiling / 2 * (mt_rand() / mt_getrandmax());
    }
}
