/**
 * The Chinese operator pages (docs/zh-CN/) stay in step with their English originals (docs/):
 * every command, flag and environment variable of the English page appears verbatim in the
 * Chinese one, the code blocks are the same (shell comments aside), the headings keep the same
 * structure, and the Chinese pages' relative links land on files that exist. README.zh-CN.md,
 * which mirrors README.md, keeps its commands, flags and variables too.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../shared/paths';
import { codeBlocks, headingLevels, missingTerms, operatorTerms, withoutComments } from '../support/doc-terms';

const doc = (name: string) => readFileSync(join(packageRoot(), name), 'utf8');

/** Every page of docs/zh-CN/, with the English page it translates (docs/ under the same name). */
const translated = readdirSync(join(packageRoot(), 'docs', 'zh-CN'))
  .filter((name) => name.endsWith('.md'))
  .sort();

describe('Chinese documentation (docs/zh-CN/)', function () {
  it('translates the operators’ pages', function () {
    expect(translated).to.include.members(['DEPLOY.md', 'OPERATIONS.md']);
  });

  for (const name of translated) {
    describe(`docs/zh-CN/${name}`, function () {
      const english = doc(`docs/${name}`);
      const chinese = doc(`docs/zh-CN/${name}`);

      it('names every command, flag and environment variable of the English page', function () {
        expect(operatorTerms(english).length, 'terms found in the English page').to.be.greaterThan(20);
        expect(missingTerms(english, chinese), `missing from docs/zh-CN/${name} (present in docs/${name})`).to.deep.equal([]);
      });

      it('keeps the English code blocks (shell comments may be translated)', function () {
        const missing = codeBlocks(english)
          .map(withoutComments)
          .filter((block) => !codeBlocks(chinese).map(withoutComments).includes(block));
        expect(missing, `code blocks of docs/${name} not in docs/zh-CN/${name}`).to.deep.equal([]);
      });

      it('keeps the headings’ structure', function () {
        expect(headingLevels(chinese), 'heading levels, in order').to.deep.equal(headingLevels(english));
      });

      it('links to files that exist, and back to the English page', function () {
        expect(chinese).to.include(`[English](../${name})`);
        const text = chinese.replace(/```[\s\S]*?```/g, '');
        const broken = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)]
          .map((match) => match[1] as string)
          .filter((target) => !/^[a-z]+:/.test(target) && !existsSync(join(packageRoot(), 'docs', 'zh-CN', target)));
        expect(broken).to.deep.equal([]);
      });
    });
  }

  it('names every command, flag and environment variable of README.md in README.zh-CN.md', function () {
    const english = doc('README.md');
    expect(operatorTerms(english).length, 'terms found in README.md').to.be.greaterThan(20);
    expect(missingTerms(english, doc('README.zh-CN.md')), 'missing from README.zh-CN.md (present in README.md)').to.deep.equal([]);
  });

  describe('the check itself', function () {
    const english = [
      '# Running',
      '',
      '```',
      'herald server start [-d]            herald server stop [-force]',
      'pm2 start ecosystem.config.js --env online    # PUSH_ENV=online',
      '```',
      '',
      '```',
      '$ herald process show -d',
      'task processes    1',
      '```',
      '',
      'Reload with `herald server reload`; `process show -d` formats; set `HERALD_PUBLIC_URL`.',
    ].join('\n');
    const chinese = [
      '# 运行',
      '',
      '```',
      'herald server start [-d]            herald server stop [-force]',
      'pm2 start ecosystem.config.js --env online    # PUSH_ENV=online（线上）',
      '```',
      '',
      '```',
      '$ herald process show -d',
      'task processes    1',
      '```',
      '',
      '用 `herald server reload` 重载；`process show -d` 格式化输出；设置 `HERALD_PUBLIC_URL`。',
    ].join('\n');

    it('finds the commands of code blocks (prompted lines only in a transcript) and inline code, the flags and the variables', function () {
      expect(operatorTerms(english).map((term) => `${term.kind}: ${term.text}`)).to.have.members([
        'command: herald server start [-d]',
        'command: herald server stop [-force]',
        'command: herald process show -d',
        'command: pm2 start ecosystem.config.js --env online',
        'command: herald server reload',
        'command: process show -d',
        'flag: --env',
        'variable: PUSH_ENV',
        'variable: HERALD_PUBLIC_URL',
      ]);
      expect(missingTerms(english, chinese)).to.deep.equal([]);
    });

    it('reports a flag the English page gained and the Chinese one lacks', function () {
      const longer = `${english}\n\nPass \`herald server status --json\` for scripts.\n`;
      expect(missingTerms(longer, chinese)).to.deep.equal(['command: herald server status --json', 'flag: --json']);
    });

    it('reports a flag dropped from a command in a code block', function () {
      const dropped = chinese.replace('ecosystem.config.js --env online', 'ecosystem.config.js');
      expect(missingTerms(english, dropped)).to.deep.equal(['command: pm2 start ecosystem.config.js --env online', 'flag: --env']);
    });

    it('reports an environment variable and a command missing from the prose', function () {
      const shorter = chinese.replace('设置 `HERALD_PUBLIC_URL`。', '').replace('`herald server reload`', 'reload');
      expect(missingTerms(english, shorter)).to.deep.equal(['command: herald server reload', 'variable: HERALD_PUBLIC_URL']);
    });

    it('reports a command whose spelling changed (`-force` is not `--force`)', function () {
      const respelled = chinese.replace('herald server stop [-force]', 'herald server stop [--force]');
      expect(missingTerms(english, respelled)).to.deep.equal(['command: herald server stop [-force]']);
    });
  });
});
