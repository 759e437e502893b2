<?php
/** Herald's `REDIS_UNAVAILABLE` (503): Redis is unreachable and the outage buffer is full; retry later. */

declare(strict_types=1);

namespace Herald\Exception;

class RedisUnavailableException extends HeraldException
{
}
