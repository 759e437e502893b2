<?php
/** Herald's `STORE_UNAVAILABLE` (503): The message store is unavailable. */

declare(strict_types=1);

namespace Herald\Exception;

class StoreUnavailableException extends HeraldException
{
}
