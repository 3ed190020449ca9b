// Starting the response taps' `done` once an answer is over, the same for the gateway (forward.ts)
// and ext_proc (exchange.ts): every tap at once, none awaited by the client's last bytes (a cache
// write must not delay them), a failing one logged and never thrown, and the work announced to the
// runtime's `waitUntil` so what the taps use (the cache, a config generation) outlives them.
import type { Logger } from '../observability/types.ts';
import type { DoneAnswer, ResponseTap } from './context.ts';

export function startDoneTaps(
  taps: readonly ResponseTap[],
  answer: DoneAnswer,
  logger: Logger,
  opts: { waitUntil?(work: Promise<unknown>): void; log?: Record<string, unknown>; msg?: string } = {},
): Promise<void> {
  const run = async (tap: ResponseTap) => {
    try {
      await tap.done!(answer);
    } catch (err) {
      logger.warn({ ...opts.log, tap: tap.name, err: errorName(err) }, opts.msg ?? 'response tap failed');
    }
  };
  const done = taps.filter((t) => t.done);
  if (!done.length) return Promise.resolve();
  const work = Promise.all(done.map(run)).then(() => undefined);
  opts.waitUntil?.(work);
  return work;
}

/** An error as its name and code: messages may quote request text (and so personal data). */
export function errorName(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown };
    return [e.name, e.code].filter((x) => typeof x === 'string' || typeof x === 'number').join(':') || 'Error';
  }
  return typeof err;
}
