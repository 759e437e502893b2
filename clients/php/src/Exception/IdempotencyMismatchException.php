<?php
/** Herald's `IDEMPOTENCY_MISMATCH` (422): This Idempotency-Key was used with another request. */

declare(strict_types=1);

namespace Herald\Exception;

class IdempotencyMismatchException extends HeraldException
{
}
