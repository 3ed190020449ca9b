// When a streamed answer's first token came: its first data line, not its first bytes. Hosted
// upstreams and proxies send SSE comments (": keep-alive", ": OPENROUTER PROCESSING") while the model
// has produced nothing yet, and a TTFT taken at those bytes reads as milliseconds however long the
// model took.

const D = 0x64; // d
const DATA_TAIL = [0x61, 0x74, 0x61, 0x3a]; // a t a :

/**
 * Whether these bytes hold a "data:" field. Bytes only, no decoding (it runs on each read until the
 * first data line). "data:" split across two reads is found in the second: TTFT a read late, never early.
 */
export function holdsDataLine(bytes: Uint8Array): boolean {
  const end = bytes.length - DATA_TAIL.length;
  for (let i = bytes.indexOf(D); i !== -1 && i < end; i = bytes.indexOf(D, i + 1)) {
    // A field name starts a line (the stream's start, or after LF / CR).
    const prev = i === 0 ? 0x0a : bytes[i - 1];
    if (prev !== 0x0a && prev !== 0x0d) continue;
    if (bytes[i + 1] === DATA_TAIL[0] && bytes[i + 2] === DATA_TAIL[1] && bytes[i + 3] === DATA_TAIL[2] && bytes[i + 4] === DATA_TAIL[3]) return true;
  }
  return false;
}
