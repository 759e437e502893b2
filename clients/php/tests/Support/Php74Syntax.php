<?php
/**
 * Finds PHP 8.0+ syntax in PHP source with token_get_all(), so the library keeps running on the
 * PHP 7.4 main sites of the seed's era while the suite runs on Debian's 8.2. Looks for: match,
 * enum, readonly, nullsafe `?->`, attributes `#[`, named arguments, constructor promotion,
 * union types and the `mixed` / `static` / `never` types in signatures and properties, `catch`
 * without a variable, `throw` as an expression, a trailing comma in a parameter list, and the
 * functions PHP 8 added (str_contains, str_starts_with, str_ends_with, get_debug_type, array_is_list).
 */

declare(strict_types=1);

namespace Herald\Tests\Support;

final class Php74Syntax
{
    private const PHP8_FUNCTIONS = ['str_contains', 'str_starts_with', 'str_ends_with', 'get_debug_type', 'array_is_list', 'fdiv', 'get_resource_id'];
    private const PHP8_TYPES = ['mixed', 'never', 'static', 'false', 'null'];
    private const PHP8_WORDS = ['match', 'enum', 'readonly'];

    /** @return string[] one line per finding: "<line>: <what>" */
    public static function findings(string $source): array
    {
        $found = [];
        $tokens = array_values(array_filter(token_get_all($source), static function ($t): bool {
            return !is_array($t) || !in_array($t[0], [T_WHITESPACE, T_COMMENT, T_DOC_COMMENT], true);
        }));
        $line = 1;
        $signature = 0;   // > 0 inside a function's parameter list (paren depth)
        $afterFunction = false;
        $inConstructor = false;
        $returnType = false;
        $parenStack = []; // for each open paren: 'call' | 'params' | 'other'
        $propertyType = false; // between a property's visibility and its $name
        foreach ($tokens as $i => $token) {
            $text = is_array($token) ? $token[1] : $token;
            $line = is_array($token) ? $token[2] : $line;
            $prev = $tokens[$i - 1] ?? null;
            $next = $tokens[$i + 1] ?? null;
            $prevText = is_array($prev) ? $prev[1] : (string) $prev;
            $nextText = is_array($next) ? $next[1] : (string) $next;
            $lower = strtolower($text);
            $isName = is_array($token) && in_array(token_name($token[0]), ['T_STRING', 'T_MATCH', 'T_ENUM', 'T_READONLY', 'T_STATIC', 'T_NAME_QUALIFIED'], true);

            if (is_array($token) && in_array(token_name($token[0]), ['T_NULLSAFE_OBJECT_OPERATOR'], true)) {
                $found[] = "{$line}: nullsafe operator ?->";
            }
            if (is_array($token) && token_name($token[0]) === 'T_ATTRIBUTE') {
                $found[] = "{$line}: attribute #[";
            }
            if ($isName && in_array($lower, self::PHP8_WORDS, true) && !in_array($prevText, ['->', '::', 'function', 'const'], true)) {
                if ($lower !== 'enum' || (is_array($next) && token_name($next[0]) === 'T_STRING')) {
                    if ($lower !== 'match' || $nextText === '(') {
                        $found[] = "{$line}: {$lower}";
                    }
                }
            }
            if ($isName && in_array($lower, self::PHP8_FUNCTIONS, true) && $nextText === '(' && !in_array($prevText, ['->', '::', 'function'], true)) {
                $found[] = "{$line}: {$lower}() is PHP 8";
            }
            if (is_array($token) && $token[0] === T_THROW && in_array($prevText, ['??', '?', ':', '=>', '=', '(', ',', 'and', 'or', '&&', '||'], true)) {
                $found[] = "{$line}: throw as an expression";
            }
            if (is_array($token) && $token[0] === T_CATCH) {
                $close = $i + 1;
                while (isset($tokens[$close]) && $tokens[$close] !== ')') {
                    $close++;
                }
                if (!(is_array($tokens[$close - 1] ?? null) && $tokens[$close - 1][0] === T_VARIABLE)) {
                    $found[] = "{$line}: catch without a variable";
                }
            }
            if ($propertyType && (in_array($text, [';', '(', '='], true) || (is_array($token) && in_array($token[0], [T_FUNCTION, T_CONST, T_VARIABLE], true)))) {
                $propertyType = false;
            }
            if (is_array($token) && in_array($token[0], [T_PUBLIC, T_PROTECTED, T_PRIVATE, T_VAR], true) && end($parenStack) !== 'params') {
                $propertyType = true;
            }
            if (is_array($token) && $token[0] === T_FUNCTION) {
                $afterFunction = true;
                $inConstructor = is_array($next) && strtolower($next[1]) === '__construct';
                continue;
            }
            if ($text === '(') {
                if ($afterFunction) {
                    $parenStack[] = 'params';
                    $afterFunction = false;
                } else {
                    $isCall = $isName || (is_array($prev) && in_array($prev[0], [T_VARIABLE, T_STRING], true)) || $prevText === ')' || $prevText === ']';
                    $parenStack[] = $isCall && !in_array($prevText, ['if', 'while', 'foreach', 'for', 'switch', 'catch', 'array', 'list', 'isset', 'empty', 'unset', 'use'], true) ? 'call' : 'other';
                }
                continue;
            }
            if ($text === ')') {
                $closed = array_pop($parenStack);
                if ($closed === 'params') {
                    if ($prevText === ',') {
                        $found[] = "{$line}: trailing comma in a parameter list";
                    }
                    $returnType = $nextText === ':';
                    if (!$returnType) {
                        $inConstructor = false;
                    }
                }
                continue;
            }
            $inParams = end($parenStack) === 'params';
            if ($inParams && $inConstructor && is_array($token) && in_array($token[0], [T_PUBLIC, T_PROTECTED, T_PRIVATE], true)) {
                $found[] = "{$line}: constructor property promotion";
            }
            if (($inParams || $returnType || $propertyType) && $text === '|') {
                $found[] = "{$line}: union type";
            }
            if (($inParams || $returnType || ($propertyType && $lower !== 'static')) && ($isName || (is_array($token) && $token[0] === T_STATIC)) && in_array($lower, self::PHP8_TYPES, true)
                && !in_array($prevText, ['=', '::'], true) && $nextText !== '::') {
                $found[] = "{$line}: type {$lower}";
            }
            if ($returnType && ($text === '{' || $text === ';')) {
                $returnType = false;
                $inConstructor = false;
            }
            if (end($parenStack) === 'call' && is_array($token) && $isName && $nextText === ':' && in_array($prevText, ['(', ','], true)) {
                $found[] = "{$line}: named argument {$text}:";
            }
        }
        return array_values(array_unique($found));
    }
}
