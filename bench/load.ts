// A small closed-loop load generator over node:http keep-alive: `connections` loops, each sending
// the next request when the previous answer has been read to the end. Records latency to the last
// byte and to the first body byte (the first SSE chunk when streaming).
import http from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  firstByte: number[];
}

export async function runLoad(opts: { port: number; bodies: Buffer[]; connections: number; seconds: number }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const latencies: number[] = [];
  const firstByte: number[] = [];
  let errors = 0;
  let requests = 0;
  let next = 0;
  const t0 = performance.now();
  const until = t0 + opts.seconds * 1000;

  const one = (body: Buffer) =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      let first = 0;
      const req = http.request(
        { host: '127.0.0.1', port: opts.port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-user-id': 'bench-user' } },
        (res) => {
          res.on('data', () => {
            if (!first) first = performance.now();
          });
          res.on('end', () => {
            const end = performance.now();
            if (res.statusCode === 200) {
              latencies.push(end - start);
              firstByte.push((first || end) - start);
              requests++;
            } else errors++;
            resolve();
          });
          res.on('error', () => {
            errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (performance.now() < until) await one(opts.bodies[next++ % opts.bodies.length]);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { requests, errors, seconds, latencies, firstByte };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
