<?php
/** Herald's `NOT_RUNNING` (503): Herald is not running (no server answers on the control socket). */

declare(strict_types=1);

namespace Herald\Exception;

class NotRunningException extends HeraldException
{
}
