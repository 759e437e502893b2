<?php
/**
 * For sites without Composer: `require '/path/to/herald-php/autoload.php';` loads Herald\* from
 * src/ on first use (the same PSR-4 mapping composer.json declares).
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $prefix = 'Herald\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
