<?php
/**
 * App tokens for Herald's `jwt` verifier (auth.verifier: jwt, algorithm HS256): a JWT signed with
 * `auth.jwt.secret`, the uid in `sub`, and `exp` (Herald refuses a token without it). Extra claims
 * ride along: `iss` / `aud` when Herald sets auth.jwt.issuer / audience, anything else the app wants
 * (Herald ignores the rest). The app logs in with `login { token, platform }`.
 */

declare(strict_types=1);

namespace Herald;

final class Token
{
    /**
     * @param string $secret Herald's auth.jwt.secret (HERALD_JWT_SECRET), at least 32 characters
     * @param string $uid the user, `[A-Za-z0-9_.:@-]{1,64}`
     * @param int $ttl seconds the token stays valid
     * @param array<string, mixed> $claims extra claims (iss, aud, platform, ...); sub, iat and exp are set here
     */
    public static function mint(string $secret, string $uid, int $ttl = 3600, array $claims = [], ?int $now = null): string
    {
        if ($ttl <= 0) {
            throw new \InvalidArgumentException('Herald\Token::mint: ttl must be positive seconds');
        }
        $issuedAt = $now ?? time();
        $payload = array_merge($claims, ['sub' => $uid, 'iat' => $issuedAt, 'exp' => $issuedAt + $ttl]);
        $segments = [
            self::base64Url(self::json(['alg' => 'HS256', 'typ' => 'JWT'])),
            self::base64Url(self::json($payload)),
        ];
        $signature = hash_hmac('sha256', implode('.', $segments), $secret, true);
        $segments[] = self::base64Url($signature);
        return implode('.', $segments);
    }

    /** @param array<string, mixed> $value */
    private static function json(array $value): string
    {
        $json = json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        if ($json === false) {
            throw new \InvalidArgumentException('Herald\Token::mint: claims cannot be encoded as JSON: ' . json_last_error_msg());
        }
        return $json;
    }

    private static function base64Url(string $bytes): string
    {
        return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
    }
}
