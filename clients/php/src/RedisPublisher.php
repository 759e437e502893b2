<?php
/**
 * Pushes through Redis instead of HTTP (docs/API.md, "Redis ingress"), with the `redis`
 * extension's \Redis client:
 *
 * - publish(): `PUBLISH <prefix>push <json>`: lowest latency, fire and forget (lost while no Herald runs);
 * - add(): `XADD <prefix>push:stream * msg <json>`: kept in the stream until Herald handled it.
 *
 * Every entry carries an `id` (generated, or $options['idempotencyKey']): Herald handles an id once,
 * so sending an entry again after an error (a timeout on XADD) never delivers it twice.
 */

declare(strict_types=1);

namespace Herald;

final class RedisPublisher
{
    /** Push options copied into the entry. */
    private const PUSH_FIELDS = ['event', 'platform', 'durable', 'ttl'];

    /** @var \Redis */
    private $redis;
    /** @var string */
    private $prefix;

    /** @param string $prefix Herald's redis prefix (HERALD_REDIS_PREFIX), `herald:` by default */
    public function __construct(\Redis $redis, string $prefix = 'herald:')
    {
        $this->redis = $redis;
        $this->prefix = $prefix;
    }

    /**
     * PUBLISH. Returns the entry's id and how many subscribers got it (1 while a Herald listens, 0 when none does).
     *
     * @param array<string, mixed> $to @param mixed $data @param array<string, mixed> $options
     * @return array{id: string, receivers: int}
     */
    public function publish(array $to, $data, array $options = []): array
    {
        list($id, $json) = self::entry($to, $data, $options);
        $receivers = $this->redis->publish($this->prefix . 'push', $json);
        if ($receivers === false) {
            throw new \RuntimeException('Herald\RedisPublisher: PUBLISH failed: ' . (string) $this->redis->getLastError());
        }
        return ['id' => $id, 'receivers' => (int) $receivers];
    }

    /**
     * XADD to the stream. Returns the entry's id and the stream entry's id.
     *
     * @param array<string, mixed> $to @param mixed $data @param array<string, mixed> $options
     * @return array{id: string, entry: string}
     */
    public function add(array $to, $data, array $options = []): array
    {
        list($id, $json) = self::entry($to, $data, $options);
        $entry = $this->redis->xAdd($this->prefix . 'push:stream', '*', ['msg' => $json]);
        if (!is_string($entry) || $entry === '') {
            throw new \RuntimeException('Herald\RedisPublisher: XADD failed: ' . (string) $this->redis->getLastError());
        }
        return ['id' => $id, 'entry' => $entry];
    }

    /**
     * @param array<string, mixed> $to @param mixed $data @param array<string, mixed> $options
     * @return array{0: string, 1: string} [id, JSON]
     */
    private static function entry(array $to, $data, array $options): array
    {
        $id = isset($options['idempotencyKey']) ? (string) $options['idempotencyKey'] : Client::newIdempotencyKey();
        $entry = ['id' => $id, 'to' => $to, 'data' => $data];
        foreach (self::PUSH_FIELDS as $field) {
            if (array_key_exists($field, $options)) {
                $entry[$field] = $options[$field];
            }
        }
        $json = json_encode($entry, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
        if ($json === false) {
            throw new \InvalidArgumentException('Herald\RedisPublisher: the entry cannot be encoded as JSON: ' . json_last_error_msg());
        }
        return [$id, $json];
    }
}
