<?php
/**
 * No answer from Herald (connection refused or reset, DNS, timeout) after every retry. Code
 * `CONNECTION`, status 0. A push that ends here may or may not have been delivered: send it again
 * with the same idempotencyKey and Herald delivers it at most once.
 */

declare(strict_types=1);

namespace Herald\Exception;

class ConnectionException extends HeraldException
{
    public function __construct(string $message, ?\Throwable $previous = null)
    {
        parent::__construct('CONNECTION', $message, 0, null, $previous);
    }
}
