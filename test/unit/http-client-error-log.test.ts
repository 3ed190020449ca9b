// The report behind semroute_http_client_errors_total (runtimes/node/client-errors.ts): every refused
// request is counted, and the warning lines about them are at most one a minute whatever the rate (a
// flood of bad requests must not flood the log), with the counts of what came since the last line.
// The real server's side (answers, labels, no request bytes) is test/integration/http-client-errors.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientErrorReporter, CLIENT_ERRORS_METRIC } from '../../runtimes/node/client-errors.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

function recordingLogger() {
  const warns: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
  const none = () => {};
  return { warns, logger: { debug: none, info: none, error: none, warn: (obj: object, msg?: string) => warns.push({ obj: obj as Record<string, unknown>, msg }) } };
}

describe('client error report', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts each in the metric by code and reason', () => {
    const metrics = createMetrics();
    const report = clientErrorReporter(metrics, recordingLogger().logger);
    report('400', 'invalid_header_token');
    report('400', 'invalid_header_token');
    report('431', 'header_overflow');
    const text = metrics.render();
    expect(text).toContain(`${CLIENT_ERRORS_METRIC}{code="400",reason="invalid_header_token"} 2`);
    expect(text).toContain(`${CLIENT_ERRORS_METRIC}{code="431",reason="header_overflow"} 1`);
  });

  it('1000 errors in a minute: one line at once, one with the rest when the minute is over, then quiet', () => {
    const { warns, logger } = recordingLogger();
    const report = clientErrorReporter(createMetrics(), logger, 60_000);
    report('400', 'invalid_method');
    expect(warns).toHaveLength(1);
    expect(warns[0]!.obj.client_errors).toEqual({ '400 invalid_method': 1 });
    for (let i = 0; i < 999; i++) {
      vi.advanceTimersByTime(50);
      report(i % 3 ? '400' : '408', i % 3 ? 'invalid_method' : 'head_timeout');
    }
    expect(warns).toHaveLength(1);
    vi.advanceTimersByTime(60_000 - 999 * 50);
    expect(warns).toHaveLength(2);
    expect(warns[1]!.obj).toMatchObject({ client_errors: { '400 invalid_method': 666, '408 head_timeout': 333 }, total: 999, since_last_s: 60 });
    vi.advanceTimersByTime(10 * 60_000);
    expect(warns).toHaveLength(2);
  });

  it('after a quiet minute the next error is logged at once again', () => {
    const { warns, logger } = recordingLogger();
    const report = clientErrorReporter(createMetrics(), logger, 60_000);
    report('400', 'invalid_method');
    vi.advanceTimersByTime(90_000);
    report('431', 'header_overflow');
    expect(warns).toHaveLength(2);
    expect(warns[1]!.obj).toMatchObject({ client_errors: { '431 header_overflow': 1 }, total: 1, since_last_s: 90 });
  });
});
