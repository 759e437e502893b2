<?php
/** Herald's `RATE_LIMITED` (429): Too many requests. */

declare(strict_types=1);

namespace Herald\Exception;

class RateLimitedException extends HeraldException
{
}
