<?php
/** Herald's `NOT_FOUND` (404): No such route. */

declare(strict_types=1);

namespace Herald\Exception;

class NotFoundException extends HeraldException
{
}
