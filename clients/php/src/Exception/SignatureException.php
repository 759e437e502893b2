<?php
/** A webhook request that fails Webhook::verify(): bad or missing signature, stale timestamp, unreadable body. Code `SIGNATURE`. */

declare(strict_types=1);

namespace Herald\Exception;

class SignatureException extends HeraldException
{
    public function __construct(string $message)
    {
        parent::__construct('SIGNATURE', $message, 0, null);
    }
}
