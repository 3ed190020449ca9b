// What happened on the socket of an upstream request that failed before any byte of its answer,
// which decides whether the POST may be sent again:
// - 'unsent': no request bytes were written (refused, no route, TLS failure, closed before the write):
//   nothing reached the upstream, so a new socket or the next endpoint may take it;
// - 'stale': a kept-alive socket the upstream closed just as the request went out on it (its idle
//   timeout and our reuse crossed; the close comes back within STALE_WINDOW_MS): the upstream's
//   application never read it. The standard answer (browsers) is one more try on a fresh socket;
// - 'dropped': a fresh socket whose upstream read the request and closed without answering (a crash,
//   a proxy's reset), or a reused one closed later than a crossing close comes, or one idle for far
//   less time than this upstream has been seen to keep a connection open (below). It may have started
//   on it: sent again, a generation could run twice.
// undici does not say which socket a request used, so its connector is wrapped to mark each socket
// with its byte count at hand-over (a TLS handshake's bytes are not an earlier answer) and to tag the
// socket's errors, and its `undici:client:sendHeaders` diagnostics channel gives the byte count when
// each request went out. A socket reads nothing between answers (pipelining 1), so an error with no
// byte since the send is one with no byte of this answer.
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

interface SocketMarks {
  /** socket.bytesRead when undici got the socket. */
  base: number;
  /** performance.now() when its latest answer ended; -1 before the first. */
  idleSince: number;
  /** How long it had been idle when the latest request went out on it; -1: not a reused socket. */
  idleAtSend: number;
  /** The origin of the latest request on it. */
  origin: string;
  /** socket.bytesRead when the latest request's head was written; -1 before the first. */
  atSend: number;
  /** performance.now() then. */
  sentAt: number;
  /** The latest answer said `connection: close`: the upstream's close after it is no idle timeout. */
  closing: boolean;
}

/**
 * A close that crossed the reuse comes back within a round trip of the send. Later, the upstream had
 * the request for a while (a non-streamed answer sends no byte until the generation ends, so a crash
 * mid-generation also closes with no byte): taken as read, never sent again.
 */
export const STALE_WINDOW_MS = 1000;

/**
 * Per origin, the longest a socket of it had been idle when a request reused it and an answer came:
 * the upstream's keep-alive timeout is longer than that. Its idle close can cross a reuse only on a
 * socket idle for about that timeout; a reused socket closed unanswered after far less idle time (under
 * half of it: timers and the round trip move the edge) was closed for another reason, the upstream read
 * the request and dropped it, and is not sent again. The soak (bench/soak.ts: an upstream that reads
 * a request and closes, on busy kept-alive sockets) saw 455 of 704 such drops sent twice before.
 */
const answeredIdle = new Map<string, number>();
/**
 * Per origin, the shortest idle time after which it closed one of our idle sockets on its own (a FIN,
 * or a reset (RST) as some load balancers send, with no request in flight, not after an answer that
 * said `connection: close`): its keep-alive timeout now. The answered maximum alone only ever grows;
 * an upstream restarted with a shorter timeout (or a proxy whose backends keep connections for
 * different times) then has its real races at that shorter idle time classed as drops, 502 until the
 * gateway restarts. A read-then-drop closes a socket with a request in flight, never an idle one, so
 * this does not weaken the rule for drops.
 */
const closedIdle = new Map<string, number>();
/** Origins are the config's endpoints; bounded all the same. */
const MAX_ORIGINS = 1024;

function note(map: Map<string, number>, origin: string, idle: number, keep: (old: number, idle: number) => boolean): void {
  const old = map.get(origin);
  if (old !== undefined && keep(old, idle)) return;
  if (map.size >= MAX_ORIGINS && old === undefined) map.clear();
  map.set(origin, idle);
}

/** The idle time under half of which a reused socket closed unanswered was not the upstream's idle close. */
function raceIdle(origin: string): number {
  return Math.min(answeredIdle.get(origin) ?? 0, closedIdle.get(origin) ?? Infinity);
}

const marks = new WeakMap<Socket, SocketMarks>();
/** The socket each socket error came from (undici hands the request the error, not the socket). */
const errorSockets = new WeakMap<object, Socket>();
/** The socket each of undici's requests went out on (its answer's head and end name the request only). */
const requestSockets = new WeakMap<object, Socket>();

let subscribed = false;
function subscribe(): void {
  if (subscribed) return;
  subscribed = true;
  // Only sockets our connector made are marked: another undici user in the process is left alone.
  diagnostics.subscribe('undici:client:sendHeaders', (msg) => {
    const { socket, request } = msg as { socket?: Socket; request?: { origin?: unknown } };
    const m = socket && marks.get(socket);
    if (m) {
      m.atSend = socket.bytesRead;
      m.sentAt = performance.now();
      m.idleAtSend = m.idleSince < 0 ? -1 : m.sentAt - m.idleSince;
      m.origin = String(request?.origin ?? '');
      if (request) requestSockets.set(request, socket);
    }
  });
  // An answer's head on a reused socket: the upstream kept it open that long.
  diagnostics.subscribe('undici:request:headers', (msg) => {
    const { request, response } = msg as { request?: object; response?: { headers?: unknown[] } };
    const socket = request && requestSockets.get(request);
    const m = socket && marks.get(socket);
    if (!m) return;
    if (m.idleAtSend >= 0) note(answeredIdle, m.origin, m.idleAtSend, (old, idle) => old >= idle);
    m.closing = saysClose(response?.headers);
  });
  diagnostics.subscribe('undici:request:trailers', (msg) => {
    const request = (msg as { request?: object }).request;
    const socket = request && requestSockets.get(request);
    const m = socket && marks.get(socket);
    if (m) m.idleSince = performance.now();
  });
}

/** An https endpoint's own trust: vllm_endpoints[].tls (a CA file's PEM, or no verification). */
export interface EndpointTls {
  ca?: string;
  rejectUnauthorized: boolean;
}

/**
 * undici's connector (TLS included), marking each socket it makes. `tls`, by the endpoint's host:port
 * as the pool writes it ("[::1]:8443"): the endpoints whose certificates are checked their own way.
 */
export function markingConnector(opts: buildConnector.BuildOptions, tls?: ReadonlyMap<string, EndpointTls>): buildConnector.connector {
  subscribe();
  const base = buildConnector(opts);
  const own = new Map<string, buildConnector.connector>();
  for (const [hostPort, t] of tls ?? []) own.set(hostPort, buildConnector({ ...opts, ...t }));
  return (options, callback) => {
    // undici gives an IPv6 hostname without its brackets, and no port for 443.
    const h = options.hostname;
    const key = own.size && options.protocol === 'https:' ? `${h.includes(':') ? `[${h}]` : h}:${options.port || 443}` : '';
    return (own.get(key) ?? base)(options, (err, socket) => {
      if (socket) {
        const s = socket as Socket;
        const m: SocketMarks = { base: s.bytesRead, atSend: -1, sentAt: 0, idleSince: -1, idleAtSend: -1, origin: '', closing: false };
        marks.set(s, m);
        // The upstream ended an idle socket (an answer ended after the latest send): its idle close.
        s.on('end', () => noteIdleClose(m));
        // Registered before undici's own listener: the error is tagged before the request learns of it.
        s.on('error', (e: unknown) => {
          if (!e || typeof e !== 'object') return;
          errorSockets.set(e, s);
          // An idle close by reset (RST), as some load balancers do: no 'end' comes, only this.
          if ((e as NodeJS.ErrnoException).code === 'ECONNRESET') noteIdleClose(m);
        });
      }
      // (err, null) or (null, socket): undici's callback takes either shape.
      (callback as (e: Error | null, s: unknown) => void)(err, socket);
    });
  };
}

/** A socket of ours closed by the upstream while idle (its latest answer ended after its latest send). */
function noteIdleClose(m: SocketMarks): void {
  if (m.idleSince >= 0 && m.idleSince >= m.sentAt && !m.closing && m.origin) {
    note(closedIdle, m.origin, performance.now() - m.idleSince, (old, idle) => old <= idle);
  }
}

/** undici's raw answer headers ([name, value, ...] as Buffers): a `connection: close` among them. */
function saysClose(headers: unknown[] | undefined): boolean {
  for (let i = 0; headers && i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === 'connection' && /close/i.test(String(headers[i + 1]))) return true;
  }
  return false;
}

export type SocketFate = 'unsent' | 'stale' | 'dropped';

/** How far apart load can put our idle clock and the upstream's (ms). */
const CLOCK_SLACK_MS = 25;

/**
 * For an error that ended a request before its answer's head: what the socket had seen. `written`:
 * undici handed the request to a socket (the exchange's onConnect, called just before the head is
 * written); a request still queued, e.g. behind undici's check of an idle socket that a reset then
 * failed, was never written. An error that never reached a socket of ours (refused, DNS, TLS) is 'unsent'.
 */
export function socketFate(err: unknown, written: boolean): SocketFate {
  if (!written) return 'unsent';
  const socket = err && typeof err === 'object' ? errorSockets.get(err) : undefined;
  const m = socket && marks.get(socket);
  // Handed to a socket, yet the error came from none of ours ('closed' without an error): taken.
  if (!socket || !m) return 'dropped';
  if (m.atSend < 0) return 'unsent';
  // A byte of this answer came: not a request the upstream left unread (undici says so as a parse
  // error anyway); treated as taken, never sent again.
  if (socket.bytesRead !== m.atSend) return 'dropped';
  if (m.atSend <= m.base || performance.now() - m.sentAt > STALE_WINDOW_MS) return 'dropped';
  // Idle for far less than this upstream keeps a connection: not its idle close (answeredIdle).
  // Less a margin: under load the two ends' idle clocks part by event-loop lag, and an upstream with a
  // 20 ms idle close had 1-2 of 600 real races classed as drops (502) on a busy 2-core CI box.
  if (m.idleAtSend >= 0 && m.idleAtSend <= raceIdle(m.origin) / 2 - CLOCK_SLACK_MS) return 'dropped';
  return 'stale';
}
