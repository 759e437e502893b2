<?php
/** Herald's `METHOD_NOT_ALLOWED` (405): Method not allowed on this route. */

declare(strict_types=1);

namespace Herald\Exception;

class MethodNotAllowedException extends HeraldException
{
}
