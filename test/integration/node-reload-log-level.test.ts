// observability.logging.level applies on a config reload (SIGHUP or the watched file), as the rest of a
// ConfigMap edit does. It was restart-only: to see a pod's debug or request lines during an incident
// an operator had to restart it, losing the state being looked at; the reload said "these settings
// need a restart" and ran on at the old level. LOG_LEVEL, which overrides the file at start-up, still
// wins: a reload that changes the file's level then says so and keeps it. A real process, SIGHUP.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { processFixture, reloadWith, START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';
import { until } from './helpers/until.ts';

const fx = processFixture();
const REQUEST_LINE = /"event":"request"/g;

const chat = (gw: GatewayProcess) =>
  fetch(`${gw.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }) });
const requestLines = (gw: GatewayProcess) => gw.out().match(REQUEST_LINE)?.length ?? 0;

/** Rewrites the file with `level`, sends SIGHUP and waits until the reload counted `n` successes. */
const reloadTo = (gw: GatewayProcess, file: string, base: string, level: string, n: number): Promise<void> =>
  reloadWith(gw, file, `${base}observability: { logging: { level: ${level} } }\n`, n);

/** Sends a chat and gives its line time to be written (lines go out at the end of the event-loop turn). */
async function chatAndSettle(gw: GatewayProcess): Promise<void> {
  expect((await chat(gw)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 300));
}

describe('a reload that changes observability.logging.level', () => {
  it('applies it: info -> warn hides the request lines, warn -> info shows them and the reload line again', async () => {
    const { file, base } = fx.configDir('semroute-reload-level-');
    writeFileSync(file, `${base}observability: { logging: { level: info } }\n`);
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
    await chat(gw);
    await gw.waitFor(REQUEST_LINE);

    await reloadTo(gw, file, base, 'warn', 1);
    expect(gw.out()).not.toMatch(/need a restart/);
    const before = requestLines(gw);
    await chatAndSettle(gw);
    expect(requestLines(gw)).toBe(before);

    await reloadTo(gw, file, base, 'info', 2);
    await gw.waitFor(/"trigger":"SIGHUP"[^\n]*"config reloaded"/);
    await chat(gw);
    await until(() => requestLines(gw) === before + 1, 10_000, 50);
  }, START_BUDGET_MS + 40_000);
});

describe('with LOG_LEVEL set', () => {
  const saved = process.env.LOG_LEVEL;
  afterAll(() => {
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
  });

  it('LOG_LEVEL still wins over the file: the reload says so and keeps the level', async () => {
    process.env.LOG_LEVEL = 'info'; // the spawned gateway inherits it
    const { file, base } = fx.configDir('semroute-reload-level-env-');
    writeFileSync(file, `${base}observability: { logging: { level: info } }\n`);
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
    delete process.env.LOG_LEVEL;
    await reloadTo(gw, file, base, 'error', 1);
    expect(await gw.waitFor(/[^\n]*LOG_LEVEL[^\n]*/)).toMatch(/"level":"warn"[^\n]*observability\.logging\.level/);
    await chat(gw);
    await gw.waitFor(REQUEST_LINE);
  }, START_BUDGET_MS + 40_000);
});
