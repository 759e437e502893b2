<?php
/**
 * Herald's error codes (shared/errors.ts) and the exception class of each. A test compares this
 * table with shared/errors.ts, so a code added there without a class here fails the suite.
 */

declare(strict_types=1);

namespace Herald\Exception;

final class ErrorCatalog
{
    /** @var array<string, class-string<HeraldException>> code => exception class */
    public const CLASSES = [
        'BAD_REQUEST' => BadRequestException::class,
        'UNAUTHORIZED' => UnauthorizedException::class,
        'AUTH_REJECTED' => AuthRejectedException::class,
        'FORBIDDEN' => ForbiddenException::class,
        'NOT_LOGGED_IN' => NotLoggedInException::class,
        'NOT_FOUND' => NotFoundException::class,
        'METHOD_NOT_ALLOWED' => MethodNotAllowedException::class,
        'PAYLOAD_TOO_LARGE' => PayloadTooLargeException::class,
        'UNSUPPORTED_MEDIA_TYPE' => UnsupportedMediaTypeException::class,
        'IDEMPOTENCY_IN_PROGRESS' => IdempotencyInProgressException::class,
        'IDEMPOTENCY_MISMATCH' => IdempotencyMismatchException::class,
        'RATE_LIMITED' => RateLimitedException::class,
        'INTERNAL' => InternalException::class,
        'AUTH_UNAVAILABLE' => AuthUnavailableException::class,
        'UNAVAILABLE' => UnavailableException::class,
        'STORE_UNAVAILABLE' => StoreUnavailableException::class,
        'REDIS_UNAVAILABLE' => RedisUnavailableException::class,
        'NOT_RUNNING' => NotRunningException::class,
        'TIMEOUT' => TimeoutException::class,
        'IO' => IoException::class,
    ];

    /** The exception for an error answer; an unknown code (a newer Herald) gives the base class. */
    public static function exceptionFor(string $code, string $message, int $status, ?float $retryAfter): HeraldException
    {
        $class = self::CLASSES[$code] ?? HeraldException::class;
        return new $class($code, $message, $status, $retryAfter);
    }
}
