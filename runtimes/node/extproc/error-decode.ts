// A compressed upstream error answer's text, as the HTTP gateway reads it: its upstream client decodes
// gzip, deflate and br (upstream-client.ts decoder, the same choice here) and reads any other coding as
// the bytes it is; readErrorText keeps the first MAX_ERROR_TEXT_BYTES of the decoded text, and a body
// that fails to decode is an error answer that broke off. Behind Envoy the held bytes are decoded here
// (a zlib stream, stopped at the cap: a small bomb cannot grow past it).
import type { ErrorText } from '../../../src/upstream/error-text.ts';
import { decoder } from '../upstream-client.ts';

/**
 * The text of `bytes` sent under `coding`, at most `max` bytes of it. `cutIn`: `bytes` is the start of
 * a longer body (held up to the cap), so whatever it decodes to is the start of the text.
 */
export function decodedErrorText(bytes: Uint8Array, coding: string | undefined, max: number, cutIn: boolean): Promise<ErrorText> {
  const z = decoder(coding);
  if (!z) return Promise.resolve({ text: new TextDecoder().decode(bytes), ...(cutIn ? { cut: 'too_large' as const } : {}) });
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let n = 0;
    let done = false;
    const finish = (cut?: ErrorText['cut']) => {
      if (done) return;
      done = true;
      z.destroy();
      const text = new TextDecoder().decode(Buffer.concat(out));
      resolve(cut ? { text, cut } : { text });
    };
    z.on('data', (c: Buffer) => {
      if (done) return;
      const room = max - n;
      out.push(c.byteLength > room ? c.subarray(0, room) : c);
      n += Math.min(room, c.byteLength);
      if (c.byteLength > room) finish('too_large');
    });
    z.on('end', () => finish(cutIn ? 'too_large' : undefined));
    // A cut input ends mid-stream (zlib's unexpected end): the start of a longer text, not a broken one.
    z.on('error', () => finish(cutIn ? 'too_large' : 'broken'));
    z.end(bytes);
  });
}
