// An upstream address that refuses connections: a port that was just free (bound, then closed),
// so nothing listens there and a connect fails at once (ECONNREFUSED), with no name lookup or wait.
import net from 'node:net';

export async function refusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
