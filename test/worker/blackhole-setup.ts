// Node side (a second globalSetup of vitest.workers.config.mts): an address that never takes a
// connection, as an endpoint whose host is gone or whose SYNs a firewall drops. A listener with a
// backlog of 1 in a child process stopped with SIGSTOP never accepts; once its queue is full (filled
// here), the kernel drops further SYNs, so a connect waits until the caller gives up.
import net from 'node:net';
import { spawn } from 'node:child_process';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** 127.0.0.1 port where a connect never completes. */
    blackholePort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, function () { console.log(this.address().port) })"], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  process.kill(child.pid!, 'SIGSTOP');
  // A stopped child runs no code of its own: killed with the process too, should teardown not run.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 4; i++) fillers.push(net.connect(port, '127.0.0.1').on('error', () => {}));
  await new Promise((r) => setTimeout(r, 200));
  project.provide('blackholePort', port);
  return async () => {
    for (const s of fillers) s.destroy();
    process.off('exit', reap);
    reap();
  };
}
