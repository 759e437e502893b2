<?php
/** Herald's `NOT_LOGGED_IN` (403): Log in first. */

declare(strict_types=1);

namespace Herald\Exception;

class NotLoggedInException extends HeraldException
{
}
