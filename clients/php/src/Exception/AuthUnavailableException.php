<?php
/** Herald's `AUTH_UNAVAILABLE` (503): The verification service is unavailable. */

declare(strict_types=1);

namespace Herald\Exception;

class AuthUnavailableException extends HeraldException
{
}
