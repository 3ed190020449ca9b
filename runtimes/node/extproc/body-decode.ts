// A compressed upstream answer's bytes, decoded as the HTTP gateway's upstream client decodes them
// (upstream-client.ts decoder, the same choice here: gzip, deflate, br; any other coding is read as the
// bytes it is). Behind Envoy the held body is decoded here, by a zlib stream stopped at a cap, so a
// small bomb cannot grow past it.
import type { ErrorText } from '../../../src/upstream/error-text.ts';
import { decoder } from '../upstream-client.ts';

export interface Decoded {
  bytes: Uint8Array;
  /** `bytes` is a start: the decoded body went on past the cap (too_large) or failed to decode (broken). */
  cut?: 'too_large' | 'broken';
}

/**
 * `bytes` sent under `coding` decoded, at most `max` bytes of it; undefined for a coding not decoded.
 * `cutIn`: `bytes` is the start of a longer body, so whatever it decodes to is a start too.
 */
export function decodedBody(bytes: Uint8Array, coding: string | undefined, max: number, cutIn = false): Promise<Decoded> | undefined {
  const z = decoder(coding);
  if (!z) return undefined;
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let n = 0;
    let done = false;
    const finish = (cut?: Decoded['cut']) => {
      if (done) return;
      done = true;
      z.destroy();
      const all = Buffer.concat(out);
      resolve(cut ? { bytes: all, cut } : { bytes: all });
    };
    z.on('data', (c: Buffer) => {
      if (done) return;
      const room = max - n;
      out.push(c.byteLength > room ? c.subarray(0, room) : c);
      n += Math.min(room, c.byteLength);
      if (c.byteLength > room) finish('too_large');
    });
    z.on('end', () => finish(cutIn ? 'too_large' : undefined));
    // A cut input ends mid-stream (zlib's unexpected end): the start of a longer body, not a broken one.
    z.on('error', () => finish(cutIn ? 'too_large' : 'broken'));
    z.end(bytes);
  });
}

/**
 * An error answer's text as the gateway reads it (readErrorText): its first `max` decoded bytes, a body
 * that fails to decode one that broke off, one in a coding not decoded read as its bytes.
 */
export async function decodedErrorText(bytes: Uint8Array, coding: string | undefined, max: number, cutIn: boolean): Promise<ErrorText> {
  const d = (await decodedBody(bytes, coding, max, cutIn)) ?? { bytes, ...(cutIn ? { cut: 'too_large' as const } : {}) };
  const text = new TextDecoder().decode(d.bytes);
  return d.cut ? { text, cut: d.cut } : { text };
}
