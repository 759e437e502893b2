<?php
/** Herald's `FORBIDDEN` (403): Not allowed. */

declare(strict_types=1);

namespace Herald\Exception;

class ForbiddenException extends HeraldException
{
}
