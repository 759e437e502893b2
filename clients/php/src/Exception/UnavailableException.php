<?php
/** Herald's `UNAVAILABLE` (503): The service is not ready. */

declare(strict_types=1);

namespace Herald\Exception;

class UnavailableException extends HeraldException
{
}
