<?php
/** Herald's `TIMEOUT` (504): No answer in time. */

declare(strict_types=1);

namespace Herald\Exception;

class TimeoutException extends HeraldException
{
}
