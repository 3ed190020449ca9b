// What the process may print or log about a config it refused: the key paths and what is wrong with
// them, never the file's text. A YAML error's excerpt or a value the schema "received" may hold a
// secret (a Redis URL's password, an OTLP bearer token), and stderr at start-up, a refused reload's
// log line and a Worker's start-up log all end up in the log pipeline.
import { ConfigError } from './config-error.ts';

const firstLine = (s: string) => s.split('\n')[0]!.replace(/:\s*$/, '');
// zod's "received <type>" names a type, which is kept; anything else it received is a value.
const TYPES = 'string|number|boolean|object|array|null|undefined|bigint|nan|date|symbol|function|integer|float';
const scrub = (s: string) =>
  firstLine(s)
    .replace(/,?\s*received\s+(['"]).*?\1/g, '')
    .replace(new RegExp(`received (?!(?:${TYPES})\\b)[^,;]+`, 'g'), 'received another value');

/** One line per problem, scrubbed of the values it quotes. */
export function safeIssues(err: unknown): string[] {
  if (err instanceof ConfigError) return err.issues.length ? err.issues.map(scrub) : [firstLine(err.message)];
  return [firstLine(err instanceof Error ? err.message : String(err))];
}

/**
 * A refused config as one text: "<file> is invalid:" with its scrubbed issues below, or a YAML error's
 * own first line (what and where: "at line 6, column 1") without the excerpt that follows it.
 */
export function safeConfigErrorText(err: ConfigError): string {
  const head = firstLine(err.message);
  return / is invalid$/.test(head) && err.issues.length ? [`${head}:`, ...safeIssues(err)].join('\n  ') : head;
}
