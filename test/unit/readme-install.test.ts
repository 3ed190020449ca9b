// README's install notes against the installed onnxruntime-node (new-user pass, issue #3): `npm ci` with
// npm 10 (Node 20's own) ran onnxruntime-node's install script, which fetches a CUDA provider from NuGet
// and failed the install where api.nuget.org was unreachable (seen: `npm error Error: getaddrinfo
// ENOTFOUND api.nuget.org`, rc 1; npm 11 skipped it through package.json's allowScripts). The README
// names the variable that skips it and the command that adds the CUDA provider on a GPU host: both must
// be what this onnxruntime-node reads, so a version bump that renames them fails here, not on a user.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { README, section } from './helpers/readme.ts';

const require = createRequire(import.meta.url);
const ortDir = dirname(require.resolve('onnxruntime-node/package.json'));
const ort = JSON.parse(readFileSync(join(ortDir, 'package.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const quick = section('Quick start');

describe('README install notes (onnxruntime-node)', () => {
  it('the package has the install script the note is about, and npm 11 is kept from running it', () => {
    expect(ort.scripts.postinstall).toMatch(/script\/install/);
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
    expect(quick).toContain('`allowScripts` in package.json');
  });

  it('the variable the quick start names makes that script do nothing', async () => {
    const m = /`(\w+)=(\w+) npm ci`/.exec(quick);
    expect(m, 'the quick start names the variable').not.toBeNull();
    const [, variable, value] = m!;
    const utils = require(join(ortDir, 'script/install-utils.js')) as { parseInstallFlag?: () => unknown };
    const saved = process.env[variable!];
    process.env[variable!] = value;
    try {
      // install.js exits at once when parseInstallFlag() is false (its "skip").
      expect(utils.parseInstallFlag?.()).toBe(false);
      expect(readFileSync(join(ortDir, 'script/install.js'), 'utf8')).toMatch(/if \(INSTALL_FLAG === false\) \{\s*process\.exit\(0\)/);
    } finally {
      if (saved === undefined) delete process.env[variable!];
      else process.env[variable!] = saved;
    }
  });

  it('the GPU-host command runs that script with an install this platform list offers', () => {
    const cmd = /`node (node_modules\/onnxruntime-node\/script\/install\.js) --onnxruntime-node-install=(\w+)`/.exec(README);
    expect(cmd, 'the README names the command').not.toBeNull();
    const meta = require(join(ortDir, 'script/install-metadata.js')) as { requirements: Record<string, string[]> };
    expect(meta.requirements['linux/x64']).toContain(cmd![2]);
    // The CUDA image runs the same command at build time.
    expect(readFileSync(new URL('../../Dockerfile.cuda', import.meta.url), 'utf8')).toContain(`${cmd![1]} --onnxruntime-node-install=${cmd![2]}`);
  });
});
