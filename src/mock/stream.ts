// An SSE answer of the mock: the events one by one (x-mock-chunk-delay-ms apart), ending cleanly, or
// cut after the first ones (x-mock-drop: mid); a reader that leaves marks the record cancelled.
import { num, sleep, type MockOptions, type MockRequestRecord } from './intake.ts';

export function sseAnswer(req: Request, events: string[], record: MockRequestRecord, options: MockOptions, headers: Record<string, string>): Response {
  const chunkDelay = num(req.headers.get('x-mock-chunk-delay-ms'), options.chunkDelayMs ?? 0);
  const drop = req.headers.get('x-mock-drop') === 'mid';
  const enc = new TextEncoder();
  let i = 0;
  const out = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (drop && i === 2) {
        // Let the chunks already read reach the socket first: an error right away made the server
        // drop them too, so "mid" dropped before any byte (QA probe).
        await sleep(Math.max(chunkDelay, 50));
        controller.error(new Error('mock: connection dropped mid-stream'));
        return;
      }
      if (i >= events.length) {
        record.completed = true;
        controller.close();
        return;
      }
      if (i > 0) await sleep(chunkDelay);
      if (record.cancelled) return;
      controller.enqueue(enc.encode(`data: ${events[i++]}\n\n`));
    },
    cancel() {
      record.cancelled = true;
    },
  });
  return new Response(out, { headers: { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
}
