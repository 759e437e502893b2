<?php
/** Herald's `UNAUTHORIZED` (401): A valid API key is required (Authorization: Bearer <key>). */

declare(strict_types=1);

namespace Herald\Exception;

class UnauthorizedException extends HeraldException
{
}
