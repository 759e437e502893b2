<?php
/**
 * `php -S 127.0.0.1:<free port> <router>`: the main site's side in the suite (verify endpoint, a
 * scripted fake Herald, a webhook receiver). Given a port, it listens there (a receiver started
 * again after an outage keeps the URL Herald sends to).
 */

declare(strict_types=1);

namespace Herald\Tests\Support;

final class PhpServer
{
    /** @var string */
    public $url;
    /** @var int */
    public $port;
    /** @var resource */
    private $process;

    /** @param array<string, string> $env passed to the router (getenv) */
    public function __construct(string $router, array $env = [], ?int $port = null)
    {
        $port = $port ?? HeraldProcess::freePort();
        $this->port = $port;
        $this->url = 'http://127.0.0.1:' . $port;
        $process = proc_open(
            [PHP_BINARY, '-S', '127.0.0.1:' . $port, $router],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']],
            $pipes,
            dirname($router),
            array_merge(getenv(), $env)
        );
        if (!is_resource($process)) {
            throw new \RuntimeException('could not start php -S');
        }
        $this->process = $process;
        $deadline = microtime(true) + 10;
        while (@fsockopen('127.0.0.1', $port) === false) {
            if (microtime(true) > $deadline) {
                throw new \RuntimeException('php -S did not listen');
            }
            usleep(50000);
        }
    }

    public function stop(): void
    {
        proc_terminate($this->process);
        proc_close($this->process);
    }
}
