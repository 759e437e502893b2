<?php
/**
 * The main site's verification endpoint as a site would write it, served by `php -S` as Herald's
 * http verifier in VerifyEndpointTest: ukey `good-ukey-<uid>` logs in as <uid>, `down` is an
 * outage (503), anything else is rejected.
 */

declare(strict_types=1);

require __DIR__ . '/../../autoload.php';

Herald\VerifyEndpoint::handle(function (string $type, string $value, string $platform, string $ip): ?string {
    file_put_contents((string) getenv('VERIFY_LOG'), json_encode([$type, $value, $platform, $ip]) . "\n", FILE_APPEND);
    if ($value === 'down') {
        throw new RuntimeException('database unreachable');
    }
    return preg_match('/^good-ukey-(\w+)$/', $value, $m) === 1 ? $m[1] : null;
});
