<?php
/** Drives Support/listener.js (a real Socket.IO client) and reads what it prints. */

declare(strict_types=1);

namespace Herald\Tests\Support;

final class Listener
{
    /** @var resource */
    private $process;
    /** @var resource[] */
    private $pipes;
    /** @var string */
    private $buffer = '';
    /** @var array<int, array<string, mixed>> every line so far */
    public $lines = [];

    /** @param array<string, mixed> $login the `login` request, e.g. ['token' => ..., 'platform' => 'app', 'device' => 'd1'] */
    public function __construct(string $url, array $login, array $topics = [])
    {
        $command = array_merge(['node', __DIR__ . '/listener.js', $url, (string) json_encode($login)], $topics);
        $process = proc_open($command, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes, HeraldProcess::repositoryRoot());
        if (!is_resource($process)) {
            throw new \RuntimeException('could not start the listener');
        }
        $this->process = $process;
        $this->pipes = $pipes;
        stream_set_blocking($this->pipes[1], false);
    }

    /**
     * Reads lines until one matches $predicate (returned) or $timeout seconds pass (null).
     *
     * @param callable(array<string, mixed>): bool $predicate
     * @return array<string, mixed>|null
     */
    public function waitFor(callable $predicate, float $timeout = 10.0, int $from = 0): ?array
    {
        $deadline = microtime(true) + $timeout;
        do {
            for ($i = $from; $i < count($this->lines); $i++) {
                if ($predicate($this->lines[$i])) {
                    return $this->lines[$i];
                }
            }
            $from = count($this->lines);
            $this->read(0.1);
        } while (microtime(true) < $deadline);
        return null;
    }

    /** The login answer (waits for it). @return array<string, mixed> */
    public function loginAnswer(float $timeout = 10.0): array
    {
        $line = $this->waitFor(static function (array $line): bool {
            return $line['type'] === 'login';
        }, $timeout);
        if ($line === null) {
            throw new \RuntimeException('the listener never logged in: ' . json_encode($this->lines));
        }
        return $line['answer'];
    }

    /** Waits until every topic given is subscribed. */
    public function waitSubscribed(int $count, float $timeout = 10.0): void
    {
        $deadline = microtime(true) + $timeout;
        while (count(array_filter($this->lines, static function (array $l): bool {
            return $l['type'] === 'subscribed';
        })) < $count) {
            if (microtime(true) > $deadline) {
                throw new \RuntimeException('not subscribed: ' . json_encode($this->lines));
            }
            $this->read(0.1);
        }
    }

    /** Pushes received so far, after reading for $settle seconds more. @return array<int, array<string, mixed>> */
    public function pushes(float $settle = 0.0): array
    {
        if ($settle > 0) {
            $this->read($settle);
        }
        return array_values(array_filter($this->lines, static function (array $line): bool {
            return $line['type'] === 'push';
        }));
    }

    /** Waits for a push with this data. @param mixed $data @return array<string, mixed>|null */
    public function waitForPush($data, float $timeout = 10.0): ?array
    {
        return $this->waitFor(static function (array $line) use ($data): bool {
            return $line['type'] === 'push' && ($line['payload']['data'] ?? null) === $data;
        }, $timeout);
    }

    public function close(): void
    {
        if (is_resource($this->pipes[0])) {
            fclose($this->pipes[0]);
        }
        proc_terminate($this->process);
        proc_close($this->process);
    }

    private function read(float $seconds): void
    {
        $read = [$this->pipes[1]];
        $write = null;
        $except = null;
        if (@stream_select($read, $write, $except, 0, (int) ($seconds * 1e6)) > 0) {
            $this->buffer .= (string) fread($this->pipes[1], 65536);
        }
        while (($newline = strpos($this->buffer, "\n")) !== false) {
            $decoded = json_decode(substr($this->buffer, 0, $newline), true);
            $this->buffer = (string) substr($this->buffer, $newline + 1);
            if (is_array($decoded)) {
                $this->lines[] = $decoded;
            }
        }
    }
}
