// Just enough of the protobuf wire format to rewrite ONNX models field by field (onnx-merge.ts):
// iterate a message's fields, read strings and varints, and write fields back. Fields that are not
// rewritten are copied as raw bytes, so nothing a newer ONNX version adds is lost or reinterpreted.
// No protobuf library: this runs in the Worker bundle as well, and needs no schema.

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export interface WireField {
  no: number;
  wire: number;
  /** Offset of the field's tag (start of its raw bytes). */
  start: number;
  /** Offset just past the field. */
  end: number;
  /** Length-delimited fields: offset of the payload (its end is `end`). Varints: the value. */
  value: number;
}

export class WireError extends Error {}

function varint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new WireError('truncated varint');
    const b = buf[pos++]!;
    // Numbers above 2^53 lose precision; only lengths, tags and small enums are read as numbers.
    result += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) return [result, pos];
  }
  throw new WireError('varint longer than 10 bytes');
}

/** The fields of the message in buf[start, end), in wire order. */
export function readFields(buf: Uint8Array, start = 0, end = buf.length): WireField[] {
  const out: WireField[] = [];
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const [tag, p1] = varint(buf, pos);
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    let value = 0;
    if (wire === WIRE_VARINT) [value, pos] = varint(buf, p1);
    else if (wire === WIRE_I64) pos = p1 + 8;
    else if (wire === WIRE_I32) pos = p1 + 4;
    else if (wire === WIRE_LEN) {
      const [len, p2] = varint(buf, p1);
      value = p2;
      pos = p2 + len;
    } else throw new WireError(`unsupported wire type ${wire} (field ${no})`);
    if (pos > end) throw new WireError(`truncated field ${no} at byte ${fieldStart}`);
    if (no === 0) throw new WireError(`malformed field 0 at byte ${fieldStart}`);
    out.push({ no, wire, start: fieldStart, end: pos, value });
  }
  return out;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function fieldString(buf: Uint8Array, f: WireField): string {
  if (f.wire !== WIRE_LEN) throw new WireError(`field ${f.no} is not a string`);
  return decoder.decode(buf.subarray(f.value, f.end));
}

export function fieldBytes(buf: Uint8Array, f: WireField): Uint8Array {
  if (f.wire !== WIRE_LEN) throw new WireError(`field ${f.no} is not length-delimited`);
  return buf.subarray(f.value, f.end);
}

/** Builds a message from parts; `finish` concatenates them once. */
export class WireWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(n: number): void {
    const bytes: number[] = [];
    while (n >= 0x80) {
      bytes.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    bytes.push(n);
    this.push(Uint8Array.from(bytes));
  }

  raw(bytes: Uint8Array): this {
    this.push(bytes);
    return this;
  }

  uint(no: number, n: number): this {
    this.varint(no * 8 + WIRE_VARINT);
    this.varint(n);
    return this;
  }

  bytes(no: number, b: Uint8Array): this {
    this.varint(no * 8 + WIRE_LEN);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(no: number, s: string): this {
    return this.bytes(no, encoder.encode(s));
  }

  /** A nested message: its parts are appended as they are, so big payloads are copied once, in finish. */
  message(no: number, w: WireWriter): this {
    this.varint(no * 8 + WIRE_LEN);
    this.varint(w.size);
    for (const p of w.parts) this.push(p);
    return this;
  }

  finish(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    this.parts = [out];
    return out;
  }
}
