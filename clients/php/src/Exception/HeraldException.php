<?php
/**
 * The base of every error the library throws: an answer of Herald's error catalog
 * (shared/errors.ts; one subclass per code, e.g. RateLimitedException), a network failure after
 * the retries (ConnectionException), or a webhook that fails verification (SignatureException).
 * Catch this class to catch them all; branch on the subclass or on getErrorCode().
 */

declare(strict_types=1);

namespace Herald\Exception;

class HeraldException extends \RuntimeException
{
    /** @var string */
    private $errorCode;
    /** @var int */
    private $status;
    /** @var float|null */
    private $retryAfter;

    public function __construct(string $errorCode, string $message, int $status = 0, ?float $retryAfter = null, ?\Throwable $previous = null)
    {
        parent::__construct($message, $status, $previous);
        $this->errorCode = $errorCode;
        $this->status = $status;
        $this->retryAfter = $retryAfter;
    }

    /** The catalog code, e.g. `RATE_LIMITED`; `CONNECTION` and `SIGNATURE` for the library's own. */
    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    /** The HTTP status of Herald's answer; 0 when there was none. */
    public function getStatus(): int
    {
        return $this->status;
    }

    /** Seconds after which a retry may succeed (Retry-After / error.retryAfter), when Herald said. */
    public function getRetryAfter(): ?float
    {
        return $this->retryAfter;
    }
}
