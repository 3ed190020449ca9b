// RSS at each start-up stage of the bench's semroute server (default config and packs), idle:
//   npx tsx bench/rss-stages.ts            (re-runs itself bundled, by plain node, as bench/servers.ts runs servers)
//   MALLOC_MMAP_THRESHOLD_=131072 npx tsx bench/rss-stages.ts   (the environment reaches the measured process)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

if (!import.meta.url.endsWith('.mjs')) {
  const { bundle } = await import('./servers.ts');
  execFileSync(process.execPath, [await bundle('rss-stages.ts')], { stdio: 'inherit' });
  process.exit(0);
}
const { loadDefaultConfig } = await import('../src/config/index.ts');
const { buildNodeDeps } = await import('../runtimes/node/deps.ts');
const { createNodeLogger, lineDestination } = await import('../runtimes/node/logger.ts');
const { createApp } = await import('../src/app.ts');
const { rssByMapping } = await import('./servers.ts');

function stage(name: string): void {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024;
  const m = process.memoryUsage();
  const f = (n: number) => (n / 1048576).toFixed(1);
  console.log(`${name.padEnd(16)} rss ${kb('VmRSS').toFixed(1)} MB (anon ${kb('RssAnon').toFixed(1)}, file ${kb('RssFile').toFixed(1)}); V8 heapUsed ${f(m.heapUsed)}, heapTotal ${f(m.heapTotal)}, arrayBuffers ${f(m.arrayBuffers)}`);
  console.log(`${''.padEnd(16)} by mapping (MB >= 1): ${rssByMapping(process.pid).map(([n, x]) => `${n} ${x.toFixed(1)}`).join(', ')}`);
}
stage('modules loaded');
const { config } = loadDefaultConfig();
const logger = createNodeLogger(config, { destination: lineDestination('/dev/null') });
const deps = await buildNodeDeps(config, { logger, noCache: true });
createApp(deps);
stage('packs loaded');
await new Promise((r) => setTimeout(r, 1000));
stage('1 s later');
console.log(`packs: ${deps.classifiers.info().map((p) => `${p.name} ${(p.sizeBytes / 1048576).toFixed(1)} MB`).join(', ')}`);
process.exit(0);
