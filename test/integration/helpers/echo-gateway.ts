// The guard tests' set-up: the gateway with the real packs in front of the echo upstream (what the
// model received comes back in the answer), and a plain JSON POST to its chat route.
import { realClassifiers, startGateway, testConfig, type Gateway } from '../gateway-harness.ts';
import { startEchoUpstream, type EchoServer } from '../guard-echo-upstream.ts';

export interface EchoGateway {
  gw: Gateway;
  echo: EchoServer;
  close(): Promise<void>;
}

/** `overrides` as testConfig takes them; the only endpoint is the echo upstream. */
export async function startEchoGateway(overrides: Record<string, unknown>): Promise<EchoGateway> {
  const echo = await startEchoUpstream();
  try {
    const gw = await startGateway({
      classifiers: await realClassifiers(),
      config: () => testConfig(overrides, [{ name: 'production-stack', address: '127.0.0.1', port: echo.port, weight: 1 }]),
    });
    return {
      gw,
      echo,
      close: async () => {
        await gw.close();
        await echo.close();
      },
    };
  } catch (err) {
    await echo.close();
    throw err;
  }
}

/** POST /v1/chat/completions with `body` as JSON. */
export const postChat = (gw: Gateway, body: Record<string, unknown>) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * A chat request (`messages`, or one user text) to `g` and what the guard did with it: the status,
 * x-vsr-jailbreak-blocked, and whether the echo upstream received it.
 */
export async function guardChat(g: EchoGateway, messages: unknown[] | string) {
  const before = g.echo.bodies.length;
  const r = await postChat(g.gw, { model: 'qwen3', messages: typeof messages === 'string' ? [{ role: 'user', content: messages }] : messages });
  await r.text();
  return { status: r.status, blocked: r.headers.get('x-vsr-jailbreak-blocked'), forwarded: g.echo.bodies.length > before };
}
