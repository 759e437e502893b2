<?php
/** Herald's `IDEMPOTENCY_IN_PROGRESS` (409): A call with this Idempotency-Key is still running. */

declare(strict_types=1);

namespace Herald\Exception;

class IdempotencyInProgressException extends HeraldException
{
}
