<?php
/** Herald's `UNSUPPORTED_MEDIA_TYPE` (415): Send JSON (Content-Type: application/json). */

declare(strict_types=1);

namespace Herald\Exception;

class UnsupportedMediaTypeException extends HeraldException
{
}
