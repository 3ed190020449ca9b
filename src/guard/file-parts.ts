// Content parts besides text parts. A `file` part (OpenAI's {type: file, file: {filename, file_data,
// file_id}}; /v1/responses' input_file holds the same keys flat) shows the model its name and its
// contents; neither guard read them, so an address in a text or JSON file, or in its name, reached a
// model whose pii_policy denies it, and an injection in a text file passed the jailbreak guard. The
// name and the contents of a text/* or JSON data URL are now read as text (PII redaction rewrites them,
// the data URL re-encoded as it came). What no guard reads (a PDF or other binary file, a file_id,
// images, audio, video) is named by unreadablePart: a restricting pii_policy refuses it (unscannable.ts)
// rather than let unchecked content reach the model; the jailbreak guard lets it pass (images and
// PDFs are most of what multimodal clients send, and the pack reads text only).
import type { TextSlot } from './redaction.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Media types whose bytes are text a model reads as such. */
const TEXT_TYPE = /^(?:text\/[\w.+-]+|application\/(?:json|xml|yaml|x-yaml|csv|javascript|x-ndjson|[\w.-]+\+(?:json|xml)))$/i;
const DATA_URL = /^data:([^,;]*)((?:;[^,;]*)*?)(;base64)?,/i;

/** The file object of a file part: chat's nested `file`, or the part itself (input_file). */
function fileOf(part: Record<string, unknown>): Record<string, unknown> | undefined {
  if (part.type === 'file') return isObj(part.file) ? part.file : undefined;
  if (part.type === 'input_file') return part;
  return undefined;
}

interface DataText {
  text: string;
  encode(text: string): string;
}

/** A text data URL's contents and how to write new contents back the same way; undefined for anything else. */
function dataText(url: string): DataText | undefined {
  // The header (media type and parameters) is short: not searched through megabytes for its comma.
  const comma = url.indexOf(',', 0);
  if (comma < 0 || comma > 512) return undefined;
  const m = DATA_URL.exec(url.slice(0, comma + 1));
  if (!m || !TEXT_TYPE.test(m[1]!.trim())) return undefined;
  const head = url.slice(0, m[0].length);
  const payload = url.slice(m[0].length);
  try {
    if (m[3]) {
      const bin = atob(payload.replace(/\s+/g, ''));
      // A loop, not Uint8Array.from with a callback (5 MB: 2.7 s).
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return { text, encode: (t) => head + toBase64(new TextEncoder().encode(t)) };
    }
    return { text: decodeURIComponent(payload), encode: (t) => head + encodeURIComponent(t) };
  } catch {
    return undefined; // bad base64, bad escapes or bytes that are no UTF-8: not text we can read
  }
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Slots of a file part the model reads as text: its name, and a text data URL's contents (one group). */
export function fileSlots(part: unknown, role: string, group: object): TextSlot[] {
  const f = isObj(part) ? fileOf(part) : undefined;
  if (!f) return [];
  const slots: TextSlot[] = [];
  if (typeof f.filename === 'string') slots.push({ role, group, get: () => f.filename as string, set: (v) => (f.filename = v) });
  const d = typeof f.file_data === 'string' ? dataText(f.file_data) : undefined;
  if (d) {
    let text = d.text;
    slots.push({
      role,
      group,
      get: () => text,
      set: (v) => {
        text = v;
        f.file_data = d.encode(v);
      },
    });
  }
  return slots;
}

/** The texts a file part shows the model (its name, a text data URL's contents), joined; '' for other parts. */
export function fileText(part: unknown): string {
  return fileSlots(part, '', {})
    .map((s) => s.get())
    .join('\n');
}

/** Part types whose content no guard reads: images, audio, video (vLLM's and the Responses / Messages APIs' names). */
const MEDIA_TYPES = new Set([
  'image_url', 'input_image', 'image', 'image_embeds', 'image_pil',
  'input_audio', 'audio_url', 'audio_embeds', 'audio', 'video_url', 'video', 'document',
]);
/** vLLM's type-less media parts ({"image_url": "https://..."}). */
const SIMPLE_MEDIA = ['image_url', 'audio_url', 'input_audio', 'video_url'] as const;

/** The type of a part whose content no guard can read, or undefined for a part read as text (or no part). */
export function unreadablePart(part: unknown): string | undefined {
  if (!isObj(part)) return undefined;
  if (part.type === undefined) return SIMPLE_MEDIA.find((k) => part[k] !== undefined && part[k] !== null);
  if (typeof part.type !== 'string') return undefined;
  const f = fileOf(part);
  if (f) return typeof f.file_data === 'string' && dataText(f.file_data) ? undefined : part.type;
  return MEDIA_TYPES.has(part.type) ? part.type : undefined;
}
