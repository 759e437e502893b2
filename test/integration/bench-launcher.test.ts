/**
 * `herald bench` is a launcher: in a source checkout it runs the bench built into dist-dev/
 * (flags passed through), and where only the product is installed (dist/, no dist-dev/) it says
 * in one line how to get the bench, since the product holds no bench code.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../shared/paths';
import { herald, type CliResult } from '../support/cli';

const root = packageRoot();

function run(file: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

describe('herald bench (launcher)', function () {
  this.timeout(60_000);

  it("runs dist-dev's bench with the flags untouched", async function () {
    const result = await herald(['bench', '--help']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^Usage: bench \[options\]/);
    expect(result.stdout).to.include('--smoke');
  });

  it('without dist-dev/ (an installed product) it fails with one line naming npm run bench', async function () {
    const installed = mkdtempSync(join(tmpdir(), 'herald-installed-'));
    try {
      for (const entry of ['package.json', 'bin', 'dist', 'config']) cpSync(join(root, entry), join(installed, entry), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(installed, 'node_modules'), 'dir');
      const result = await run(join(installed, 'bin', 'herald.js'), ['bench', '--smoke']);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal('');
      expect(result.stderr.trim().split('\n')).to.have.length(1);
      expect(result.stderr).to.include('npm run bench');
    } finally {
      rmSync(installed, { recursive: true, force: true });
    }
  });
});
