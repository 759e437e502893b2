<?php
/** Herald's `IO` (502): The control socket failed or sent an unreadable answer. */

declare(strict_types=1);

namespace Herald\Exception;

class IoException extends HeraldException
{
}
