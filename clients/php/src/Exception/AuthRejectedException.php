<?php
/** Herald's `AUTH_REJECTED` (401): The credential was rejected. */

declare(strict_types=1);

namespace Herald\Exception;

class AuthRejectedException extends HeraldException
{
}
