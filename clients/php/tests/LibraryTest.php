<?php
/**
 * The library's own promises without a server: PHP 7.4 syntax only in src/, one exception class
 * per code of shared/errors.ts, tokens in the shape Herald's jwt verifier reads, the package
 * layout (composer.json, the Composer-less autoloader).
 */

declare(strict_types=1);

namespace Herald\Tests;

use Herald\Exception\ErrorCatalog;
use Herald\Exception\HeraldException;
use Herald\Tests\Support\HeraldProcess;
use Herald\Tests\Support\Php74Syntax;
use Herald\Token;
use PHPUnit\Framework\TestCase;

final class LibraryTest extends TestCase
{
    /** @return string[] */
    private static function sources(): array
    {
        $files = [dirname(__DIR__) . '/autoload.php'];
        $iterator = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator(dirname(__DIR__) . '/src'));
        foreach ($iterator as $file) {
            if ($file->getExtension() === 'php') {
                $files[] = $file->getPathname();
            }
        }
        sort($files);
        return $files;
    }

    public function testTheLibraryUsesPhp74SyntaxOnly(): void
    {
        $findings = [];
        foreach (self::sources() as $file) {
            foreach (Php74Syntax::findings((string) file_get_contents($file)) as $finding) {
                $findings[] = basename($file) . ':' . $finding;
            }
            $this->assertStringContainsString('declare(strict_types=1);', (string) file_get_contents($file), $file);
        }
        $this->assertSame([], $findings);
        $this->assertGreaterThan(25, count(self::sources()));
    }

    /** @return array<string, array{0: string, 1: string}> */
    public function php8Snippets(): array
    {
        return [
            'match' => ['<?php $a = match ($x) { 1 => 2 };', 'match'],
            'enum' => ['<?php enum Suit { case A; }', 'enum'],
            'readonly' => ['<?php class A { public readonly int $x; }', 'readonly'],
            'nullsafe' => ['<?php $a?->b();', 'nullsafe'],
            'attribute' => ["<?php #[Attr]\nfunction f() {}", 'attribute'],
            'named argument' => ['<?php f(name: 1);', 'named argument'],
            'promotion' => ['<?php class A { function __construct(private int $x) {} }', 'promotion'],
            'union parameter' => ['<?php function f(int|string $x) {}', 'union type'],
            'union return' => ['<?php function f(): int|string {}', 'union type'],
            'union property' => ['<?php class A { private int|string $x; }', 'union type'],
            'mixed' => ['<?php function f(mixed $x) {}', 'type mixed'],
            'static return' => ['<?php class A { function f(): static {} }', 'type static'],
            'catch without variable' => ['<?php try {} catch (Exception) {}', 'catch without'],
            'throw expression' => ['<?php $a = $b ?? throw new E();', 'throw as an expression'],
            'trailing comma' => ['<?php function f($a, $b,) {}', 'trailing comma'],
            'str_contains' => ['<?php str_contains($a, "b");', 'str_contains'],
        ];
    }

    /** @dataProvider php8Snippets */
    public function testTheSyntaxCheckCatchesPhp8(string $source, string $expected): void
    {
        $this->assertStringContainsString($expected, implode("\n", Php74Syntax::findings($source)));
    }

    public function testTheSyntaxCheckPassesPhp74Code(): void
    {
        $source = '<?php class A { private $m; public const X = 1; public function __construct(int $x, ?string $y = null) { $this->m = static::class; $f = fn($a) => $a; $z = $x ?? 1; }
            public function g(): ?self { try { return null; } catch (\Exception $e) { throw $e; } } public static function h(array $a = []): void { list($b, $c) = $a; $d = $this->match(1); } }';
        $this->assertSame([], Php74Syntax::findings($source));
    }

    public function testOneExceptionClassPerCatalogCode(): void
    {
        $errors = (string) file_get_contents(HeraldProcess::repositoryRoot() . '/shared/errors.ts');
        preg_match_all('/^\s+([A-Z_]+): \{ status: (\d+),/m', $errors, $matches);
        $this->assertNotEmpty($matches[1]);
        $this->assertSame($matches[1], array_keys(ErrorCatalog::CLASSES));
        foreach ($matches[1] as $i => $code) {
            $error = ErrorCatalog::exceptionFor($code, 'm', (int) $matches[2][$i], null);
            $this->assertInstanceOf(ErrorCatalog::CLASSES[$code], $error);
            $this->assertInstanceOf(HeraldException::class, $error);
            $this->assertSame($code, $error->getErrorCode());
        }
        $this->assertSame(HeraldException::class, get_class(ErrorCatalog::exceptionFor('FROM_A_NEWER_HERALD', 'm', 500, null)));
    }

    public function testATokenIsAnHs256JwtWithSubAndExp(): void
    {
        $token = Token::mint('s3cret', '42', 60, ['platform' => 'app', 'iss' => 'main-site'], 1795700000);
        list($header, $payload, $signature) = explode('.', $token);
        $decode = static function (string $part): array {
            return json_decode((string) base64_decode(strtr($part, '-_', '+/')), true);
        };
        $this->assertSame(['alg' => 'HS256', 'typ' => 'JWT'], $decode($header));
        $this->assertSame(['platform' => 'app', 'iss' => 'main-site', 'sub' => '42', 'iat' => 1795700000, 'exp' => 1795700060], $decode($payload));
        $expected = rtrim(strtr(base64_encode(hash_hmac('sha256', "{$header}.{$payload}", 's3cret', true)), '+/', '-_'), '=');
        $this->assertSame($expected, $signature);
        $this->assertStringNotContainsString('=', $token);
    }

    public function testComposerJsonMapsHeraldToSrc(): void
    {
        $composer = json_decode((string) file_get_contents(dirname(__DIR__) . '/composer.json'), true);
        $this->assertSame('src/', $composer['autoload']['psr-4']['Herald\\']);
        $this->assertSame('>=7.4', $composer['require']['php']);
        $this->assertSame(['php', 'ext-curl', 'ext-json'], array_keys($composer['require']));
    }

    public function testTheAutoloaderLoadsEveryClassWithoutComposer(): void
    {
        $classes = [];
        foreach (self::sources() as $file) {
            if (strpos($file, '/src/') !== false) {
                $classes[] = 'Herald\\' . str_replace('/', '\\', substr($file, strpos($file, '/src/') + 5, -4));
            }
        }
        $script = 'require ' . var_export(dirname(__DIR__) . '/autoload.php', true) . '; foreach (' . var_export($classes, true) . ' as $c) { if (!class_exists($c)) { echo $c; exit(1); } } echo "ok";';
        exec(escapeshellarg(PHP_BINARY) . ' -r ' . escapeshellarg($script), $output, $code);
        $this->assertSame(0, $code, implode("\n", $output));
        $this->assertSame(['ok'], $output);
    }

    public function testEveryReadmeExampleIsValidPhp(): void
    {
        foreach (['README.md', 'README.zh-CN.md'] as $readme) {
            preg_match_all('/```php\n(.*?)```/s', (string) file_get_contents(dirname(__DIR__) . '/' . $readme), $blocks);
            $this->assertGreaterThanOrEqual(12, count($blocks[1]), $readme);
            foreach ($blocks[1] as $i => $block) {
                $file = (string) tempnam(sys_get_temp_dir(), 'herald-readme');
                file_put_contents($file, (strpos(ltrim($block), '<?php') === 0 ? '' : "<?php\n") . $block);
                exec(escapeshellarg(PHP_BINARY) . ' -l ' . escapeshellarg($file) . ' 2>&1', $output, $code);
                unlink($file);
                $this->assertSame(0, $code, "{$readme} example {$i}:\n{$block}");
                $this->assertSame([], Php74Syntax::findings("<?php\n" . preg_replace('/^<\?php/', '', ltrim($block))), "{$readme} example {$i}");
            }
        }
    }
}
