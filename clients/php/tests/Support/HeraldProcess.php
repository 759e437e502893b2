<?php
/**
 * A real Herald for the suite: `node bin/herald.js server start` from the repository root, on a
 * free 127.0.0.1 port, with its own data folder and HERALD_* variables (PUSH_ENV=local, one
 * worker). stop() and start() again keep the port and the data folder (the SQLite store), as an
 * operator's restart does.
 */

declare(strict_types=1);

namespace Herald\Tests\Support;

final class HeraldProcess
{
    public const API_KEY = 'phpunit-api-key-0123456789';
    public const JWT_SECRET = 'phpunit-jwt-secret-at-least-32-characters-long';

    /** @var int */
    public $port;
    /** @var string */
    public $url;
    /** @var string */
    private $dataDir;
    /** @var array<string, string> */
    private $env;
    /** @var resource|null */
    private $process;
    /** @var string */
    private $logFile;

    /** @param array<string, string> $env extra HERALD_* variables */
    public function __construct(array $env = [])
    {
        $this->port = self::freePort();
        $this->url = 'http://127.0.0.1:' . $this->port;
        $this->dataDir = sys_get_temp_dir() . '/herald-phpunit-' . bin2hex(random_bytes(4));
        mkdir($this->dataDir);
        $this->logFile = $this->dataDir . '.log';
        $this->env = array_merge(getenv(), [
            'PUSH_ENV' => 'local',
            'HERALD_PORT' => (string) $this->port,
            'HERALD_HOST' => '127.0.0.1',
            'HERALD_WORKERS' => '1',
            'HERALD_LOG_LEVEL' => 'warn',
            'HERALD_LOG_FORMAT' => 'json',
            'HERALD_DATA_DIR' => $this->dataDir,
            'HERALD_HOST_ID' => 'phpunit-' . $this->port,
            'HERALD_API_KEYS' => self::API_KEY,
            'HERALD_JWT_SECRET' => self::JWT_SECRET,
        ], $env);
    }

    public static function repositoryRoot(): string
    {
        return dirname(__DIR__, 4);
    }

    /** Starts Herald and returns once /readyz answers 200. */
    public function start(float $timeout = 30.0): void
    {
        $this->spawn();
        $this->waitReady($timeout);
    }

    /** Starts Herald without waiting (for a call that must retry while it comes up). */
    public function spawn(): void
    {
        $this->process = proc_open(
            ['node', self::repositoryRoot() . '/bin/herald.js', 'server', 'start'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', $this->logFile, 'a'], 2 => ['file', $this->logFile, 'a']],
            $pipes,
            self::repositoryRoot(),
            $this->env
        );
        if (!is_resource($this->process)) {
            throw new \RuntimeException('could not start Herald');
        }
    }

    public function waitReady(float $timeout = 30.0): void
    {
        $deadline = microtime(true) + $timeout;
        while (microtime(true) < $deadline) {
            $status = $this->process === null ? null : proc_get_status($this->process);
            if ($status !== null && !$status['running']) {
                throw new \RuntimeException("Herald exited with {$status['exitcode']}:\n" . $this->output());
            }
            $context = stream_context_create(['http' => ['timeout' => 1, 'ignore_errors' => true]]);
            $answer = @file_get_contents($this->url . '/readyz', false, $context);
            if ($answer !== false && strpos($answer, '"ok":true') !== false) {
                return;
            }
            usleep(100000);
        }
        throw new \RuntimeException("Herald was not ready within {$timeout} s:\n" . $this->output());
    }

    /** Graceful stop (SIGTERM), waiting for the exit. */
    public function stop(float $timeout = 15.0): void
    {
        if ($this->process === null) {
            return;
        }
        proc_terminate($this->process, 15);
        $deadline = microtime(true) + $timeout;
        while (proc_get_status($this->process)['running'] && microtime(true) < $deadline) {
            usleep(50000);
        }
        if (proc_get_status($this->process)['running']) {
            proc_terminate($this->process, 9);
        }
        proc_close($this->process);
        $this->process = null;
    }

    /** Stops Herald and removes its data folder. */
    public function destroy(): void
    {
        $this->stop();
        exec('rm -rf ' . escapeshellarg($this->dataDir) . ' ' . escapeshellarg($this->logFile));
    }

    public function output(): string
    {
        return (string) @file_get_contents($this->logFile);
    }

    public static function freePort(): int
    {
        $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        if ($server === false) {
            throw new \RuntimeException("no free port: {$error}");
        }
        $name = (string) stream_socket_get_name($server, false);
        fclose($server);
        return (int) substr($name, strrpos($name, ':') + 1);
    }
}
