// The glibc malloc settings of runtimes/node/malloc-env.ts reach every launcher of the Node gateway:
// `npm start` and both images' runtime stage (glibc reads them at process start, not from JavaScript).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MALLOC_ENV } from '../../runtimes/node/malloc-env.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** ENV assignments of a Dockerfile's last stage (the runtime image), continuation lines joined. */
function runtimeEnv(dockerfile: string): Record<string, string> {
  const text = readFileSync(root + dockerfile, 'utf8').replace(/\\\n/g, ' ');
  const stages = text.split(/^FROM /m);
  const env: Record<string, string> = {};
  for (const line of stages.at(-1)!.split('\n')) {
    const m = /^ENV\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    for (const [, k, v] of m[1]!.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  }
  return env;
}

describe('malloc settings in the launchers', () => {
  it('npm start sets them before node starts', () => {
    const start = (JSON.parse(readFileSync(root + 'package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    const [prefix] = start.split(/\bnode\b/);
    for (const [k, v] of Object.entries(MALLOC_ENV)) expect(prefix, k).toContain(`${k}=${v} `);
  });

  it.each(['Dockerfile', 'Dockerfile.cuda'])('%s sets them in the runtime image', (file) => {
    const env = runtimeEnv(file);
    for (const [k, v] of Object.entries(MALLOC_ENV)) expect(env[k], k).toBe(v);
  });
});
