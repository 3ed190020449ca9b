// An upstream's error answer, read for the client's error message with a cap of its own. vLLM's
// validation errors quote the request (pydantic's input_value), so a 400 about a huge prompt is huge
// too: read through the runtime's answer cap (64 MiB on Node) it either failed the read, and the
// client got "The upstream answered with HTTP 400." with vLLM's message lost, or held the whole
// quote (and its parse, and its re-serialisation) in memory. Now the first MAX_ERROR_TEXT_BYTES are
// kept, the rest dropped with the connection, and the message says it was cut.
import type { BodyReader, UpstreamResponse } from './types.ts';
import type { IdleWatch } from './idle.ts';
import { errorBody } from '../pipeline/errors.ts';
import { typeForStatus, upstreamError } from './errors.ts';

/** Most bytes of an error answer read: far above any engine's own message, small beside the answer cap. */
export const MAX_ERROR_TEXT_BYTES = 1024 * 1024;

export interface ErrorText {
  text: string;
  /** `text` is the answer's start: it went on past the cap (too_large) or its read failed (broken). */
  cut?: 'too_large' | 'broken';
}

/** The error answer's text, at most `max` bytes (then the read is cancelled); a failed read keeps what came. */
export async function readErrorText(idle: IdleWatch, res: UpstreamResponse, max = MAX_ERROR_TEXT_BYTES): Promise<ErrorText> {
  let reader: BodyReader;
  try {
    reader = idle.reader(res.reader ? res.reader() : res.body.getReader());
  } catch {
    return { text: '', cut: 'broken' };
  }
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = max - bytes;
      bytes += value.byteLength;
      if (bytes > max) {
        text += decoder.decode(value.subarray(0, room), { stream: true });
        await reader.cancel().catch(() => {});
        return { text, cut: 'too_large' };
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, cut: 'broken' };
  } finally {
    idle.dispose();
  }
  return { text: text + decoder.decode() };
}

/** The client's error body: the upstream's own when read whole, else its message's start, said to be cut. */
export function upstreamErrorBody(status: number, e: ErrorText): string {
  if (!e.cut || !e.text.trim()) return upstreamError(status, e.cut ? '' : e.text);
  const head = messageStart(e.text);
  const what = e.cut === 'too_large' ? `an error larger than ${MAX_ERROR_TEXT_BYTES} bytes; the gateway read only its start` : 'an error answer that broke off';
  return errorBody(`The upstream answered with HTTP ${status} and ${what}.${head ? ` It began: ${head}` : ''}`, typeForStatus(status), status);
}

/**
 * The start of the error's message in a cut JSON text (vLLM, OpenAI, FastAPI shapes); '' for any
 * other text (an HTML page of a proxy), which is not passed on, as upstreamError does not either.
 */
function messageStart(text: string): string {
  const m = /"(?:message|detail|msg|error)"\s*:\s*"/.exec(text);
  if (!m) return '';
  const from = m.index + m[0].length;
  // The string up to its closing quote, or to the end of what was read.
  let i = from;
  while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
  let raw = text.slice(from, Math.min(i, text.length));
  // A cut escape (a lone backslash, part of a \u sequence) is dropped before decoding.
  raw = raw.replace(/\\(u[0-9a-fA-F]{0,3})?$/, '');
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
