<?php
/** Herald's `BAD_REQUEST` (400): The request is malformed or fails validation. */

declare(strict_types=1);

namespace Herald\Exception;

class BadRequestException extends HeraldException
{
}
