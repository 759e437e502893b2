<?php
/**
 * A scripted Herald for RetryTest (php -S router): answers the statuses listed in the file
 * FAKE_SCRIPT (one JSON answer per line, consumed in order; the last one repeats) and appends each
 * request's Idempotency-Key to FAKE_LOG. An answer's `delay` (seconds) is waited before it.
 */

declare(strict_types=1);

$script = (string) getenv('FAKE_SCRIPT');
$log = (string) getenv('FAKE_LOG');
$lines = file($script, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [];
$count = count(file($log, FILE_IGNORE_NEW_LINES) ?: []);
file_put_contents($log, ($_SERVER['HTTP_IDEMPOTENCY_KEY'] ?? '-') . "\n", FILE_APPEND);
$answer = json_decode($lines[min($count, count($lines) - 1)], true);
usleep((int) (($answer['delay'] ?? 0) * 1e6));
http_response_code($answer['status']);
foreach ($answer['headers'] ?? [] as $name => $value) {
    header("{$name}: {$value}");
}
header('Content-Type: application/json');
echo json_encode($answer['body']);
