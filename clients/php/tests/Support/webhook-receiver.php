<?php
/**
 * The main site's webhook receiver as a site would write it, served by `php -S` in
 * WebhookEndToEndTest: every request is checked with Herald\Webhook::verify (WEBHOOK_SECRET);
 * a refused one is answered 401 and noted in WEBHOOK_REJECTED, each event of an accepted one is
 * appended as a JSON line to WEBHOOK_LOG (before the 200, so a retried batch shows up twice and
 * the test dedupes on `id`, as a site does).
 */

declare(strict_types=1);

require __DIR__ . '/../../autoload.php';

use Herald\Exception\SignatureException;
use Herald\Webhook;

if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') {
    http_response_code(405);
    return true;
}

$body = (string) file_get_contents('php://input');
header('Content-Type: application/json');
try {
    $events = Webhook::verify(
        (string) getenv('WEBHOOK_SECRET'),
        $body,
        $_SERVER['HTTP_X_HERALD_TIMESTAMP'] ?? null,
        $_SERVER['HTTP_X_HERALD_SIGNATURE'] ?? null
    );
} catch (SignatureException $e) {
    file_put_contents((string) getenv('WEBHOOK_REJECTED'), json_encode(['error' => $e->getMessage(), 'body' => $body]) . "\n", FILE_APPEND | LOCK_EX);
    http_response_code(401);
    echo '{"ok":false}';
    return true;
}

$lines = '';
foreach ($events as $event) {
    $lines .= json_encode($event, JSON_UNESCAPED_SLASHES) . "\n";
}
file_put_contents((string) getenv('WEBHOOK_LOG'), $lines, FILE_APPEND | LOCK_EX);
echo '{"ok":true}';
return true;
