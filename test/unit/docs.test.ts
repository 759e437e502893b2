/**
 * The documents stay in step with the code: every configuration key, environment variable and
 * error code is documented, and the README keeps its two commands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ZodTypeAny } from 'zod';
import { AppConfigSchema, DbConfigSchema, ENV_OVERRIDES, RedisConfigSchema, SPECIAL_VARIABLES } from '../../shared/config';
import { ERROR_CATALOG } from '../../shared/errors';
import { packageRoot } from '../../shared/paths';

const doc = (name: string) => readFileSync(join(packageRoot(), name), 'utf8');

/** Dotted paths of every leaf key of a zod object schema. */
function keyPaths(schema: ZodTypeAny, prefix: string, out: string[] = []): string[] {
  let s: ZodTypeAny = schema;
  for (;;) {
    const def = s._def as { innerType?: ZodTypeAny; schema?: ZodTypeAny };
    if (def.innerType !== undefined) s = def.innerType;
    else if (def.schema !== undefined) s = def.schema;
    else break;
  }
  const shape = (s as unknown as { shape?: Record<string, ZodTypeAny> }).shape;
  if (shape === undefined || (s._def as { typeName?: string }).typeName !== 'ZodObject') {
    out.push(prefix);
    return out;
  }
  for (const [key, child] of Object.entries(shape)) keyPaths(child, prefix === '' ? key : `${prefix}.${key}`, out);
  return out;
}

describe('documentation', function () {
  const config = doc('docs/CONFIG.md');

  it('documents every configuration key in docs/CONFIG.md', function () {
    const keys = [...keyPaths(AppConfigSchema, ''), ...keyPaths(RedisConfigSchema, 'redis'), ...keyPaths(DbConfigSchema, 'db')];
    expect(keys.length).to.be.greaterThan(40);
    const missing = keys.filter((key) => !config.includes(`\`${key}\``) && !config.includes(`\`${key.replace(/\.(rate|burst)$/, '')}.rate\``));
    expect(missing).to.deep.equal([]);
  });

  it('documents every environment variable with the key it sets', function () {
    for (const { variable, file, key } of ENV_OVERRIDES) {
      const documented = file === 'app' ? key : `${file}.${key}`;
      expect(config, variable).to.match(new RegExp(`\\| \`${variable}\` \\| \`${documented.replace(/\./g, '\\.')}\``));
    }
    for (const variable of SPECIAL_VARIABLES) expect(config).to.include(`\`${variable}\``);
  });

  it('documents every error code', function () {
    const protocol = doc('docs/PROTOCOL.md');
    for (const [code, { status }] of Object.entries(ERROR_CATALOG)) {
      expect(protocol, code).to.match(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
    }
  });

  it('keeps the two commands in both READMEs', function () {
    for (const readme of [doc('README.md'), doc('README.zh-CN.md')]) {
      expect(readme).to.include('npm install && npm start');
      expect(readme).to.include('npm test');
    }
  });
});
