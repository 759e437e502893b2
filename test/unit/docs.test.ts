/**
 * The documents stay in step with the code: every configuration key, environment variable and
 * error code is documented, every `/api/v1` route has a curl example, links between the documents
 * land on a heading, and the README keeps its two commands.
 */
import { readdirSync, readFileSync } from 'node:fs';
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

/** The `/api/v1/…` paths the route files declare (`/api/v1/online/:uid`, …). */
function apiRoutePatterns(): string[] {
  const folder = join(packageRoot(), 'server', 'http', 'routes');
  const patterns = new Set<string>();
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
    for (const match of readFileSync(join(folder, file), 'utf8').matchAll(/'(\/api\/v1\/[^']*)'/g)) patterns.add(match[1] as string);
  }
  return [...patterns].sort();
}

/** The shell commands of a document's curl examples, continuation lines joined. */
function curlCommands(markdown: string): string[] {
  return markdown
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => /(^|[\s(=])curl /.test(line));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a Markdown file offers (repeated headings get -1, -2, … as on GitHub). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  for (const match of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(match[1] as string);
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
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

  it('has a curl example in docs/API.md for every /api/v1 route', function () {
    const patterns = apiRoutePatterns();
    expect(patterns).to.include.members(['/api/v1/push', '/api/v1/online/:uid', '/api/v1/admin/login']);
    const commands = curlCommands(doc('docs/API.md'));
    const missing = patterns.filter((pattern) => {
      const path = new RegExp(`${pattern.replace(/:[a-z]+/gi, '[^/?\\s\'"]+')}(?=[?\\s'"]|$)`);
      return !commands.some((command) => path.test(command));
    });
    expect(missing, 'routes without a curl line in docs/API.md').to.deep.equal([]);
  });

  it('links only to headings that exist', function () {
    const pages = (folder: string) => readdirSync(join(packageRoot(), folder)).filter((n) => n.endsWith('.md')).map((n) => `${folder}/${n}`);
    const sources = ['README.md', 'README.zh-CN.md', ...pages('docs'), ...pages('docs/zh-CN')];
    const broken: string[] = [];
    for (const source of sources) {
      const text = doc(source).replace(/```[\s\S]*?```/g, '');
      for (const match of text.matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)) {
        const [, file, anchor] = match as unknown as [string, string, string];
        if (/^[a-z]+:/.test(file)) continue;
        const target = file === '' ? source : join(source, '..', file);
        if (!target.endsWith('.md')) continue;
        if (!anchorsOf(doc(target)).has(anchor)) broken.push(`${source}: ${file}#${anchor}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('keeps the two commands in both READMEs', function () {
    for (const readme of [doc('README.md'), doc('README.zh-CN.md')]) {
      expect(readme).to.include('npm install && npm start');
      expect(readme).to.include('npm test');
    }
  });
});
