<?php
/** Herald's `INTERNAL` (500): Internal error. */

declare(strict_types=1);

namespace Herald\Exception;

class InternalException extends HeraldException
{
}
