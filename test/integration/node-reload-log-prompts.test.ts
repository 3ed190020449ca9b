// observability.logging.debug_log_prompts on a config reload. It was restart-only (the logger's
// redaction is built with it; taken by a reload alone, the prompt came out "[redacted]" and so did
// the request line's tokens.prompt), so turning prompt logging on to look at a misrouted request, or
// off again, meant a restart. A reload now switches both the request line's prompt and the logger's
// redaction: on, the next request's line has its prompt and its token count; off, neither the line
// nor any other log line has prompt text again. A real process, SIGHUP, the lines it writes.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

const yaml = (base: string, on: boolean) => base + `observability: { logging: { debug_log_prompts: ${on} } }\n`;

/** Sends `content` and answers the request line the process logged for it (found by its request id). */
async function logged(gw: GatewayProcess, content: string): Promise<Record<string, any>> {
  const id = `prompt-${Math.random().toString(36).slice(2)}`;
  const res = await fetch(`${gw.base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return JSON.parse(await gw.waitFor(new RegExp(`\\{[^\\n]*"request_id":"${id}"[^\\n]*"event":"request"[^\\n]*|\\{[^\\n]*"event":"request"[^\\n]*"request_id":"${id}"[^\\n]*`)));
}

describe('debug_log_prompts and a config reload', () => {
  it('switched on by a reload logs the next prompt with its token count; switched off, no prompt text again', async () => {
    const { file, base } = fx.configDir('semroute-log-prompts-');
    writeFileSync(file, yaml(base, false));
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);

    const off = await logged(gw, 'What is the boiling point of water?');
    expect(off).not.toHaveProperty('prompt');
    expect(typeof off.tokens?.prompt).toBe('number');

    writeFileSync(file, yaml(base, true));
    gw.proc.kill('SIGHUP');
    await gw.waitFor(/"config reloaded"/);
    const on = await logged(gw, 'What is the derivative of x squared?');
    expect(on.prompt).toBe('What is the derivative of x squared?');
    expect(typeof on.tokens?.prompt).toBe('number');

    writeFileSync(file, yaml(base, false));
    gw.proc.kill('SIGHUP');
    await gw.waitFor(/"config reloaded"[\s\S]*"config reloaded"/);
    const again = await logged(gw, 'How many moons does Mars have?');
    expect(again).not.toHaveProperty('prompt');
    expect(typeof again.tokens?.prompt).toBe('number');
    expect(gw.out()).not.toContain('Mars');
    expect(gw.out()).not.toContain('boiling');
    expect(gw.out()).not.toContain('need a restart');
  }, START_BUDGET_MS + 20_000);
});
