<?php
/** Herald's `PAYLOAD_TOO_LARGE` (413): The payload is too large. */

declare(strict_types=1);

namespace Herald\Exception;

class PayloadTooLargeException extends HeraldException
{
}
