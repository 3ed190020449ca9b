// One compressed answer (content-encoding gzip, deflate, br) decoded as Envoy hands it over in chunks:
// one zlib stream over the whole answer, flushed per chunk, so each push resolves with all the text
// its chunk completed. Each push is capped: a chunk whose text goes past its cap stops the decoding
// (zlib destroyed at the first output piece over it), so a small bomb never inflates further.
import { decoder } from '../upstream-client.ts';

const EMPTY = new Uint8Array(0);

/** An incremental decoder whose push resolves with what the bytes so far decode to. */
export class ChunkDecoder {
  private readonly z: NonNullable<ReturnType<typeof decoder>>;
  private out: Buffer[] = [];
  private n = 0;
  private limit: number;
  /** Stopped decoding: the bytes are no stream in this coding, or a chunk outgrew its cap. */
  failed: 'broken' | 'too_large' | undefined;

  /** `max`: the most text one push may decode to, unless the push says less. */
  constructor(coding: string, private readonly max: number) {
    this.limit = max;
    this.z = decoder(coding)!;
    this.z.on('data', (c: Buffer) => {
      this.n += c.byteLength;
      if (this.n > this.limit) this.stop('too_large');
      else this.out.push(c);
    });
    this.z.on('error', () => this.stop('broken'));
  }

  private stop(why: 'broken' | 'too_large'): void {
    this.failed ??= why;
    this.z.destroy();
  }

  /** The text `bytes` completed (`end`: the coded stream's end), or its start where decoding stopped; at most `max` bytes. */
  push(bytes: Uint8Array | undefined, end: boolean, max = this.max): Promise<Uint8Array> {
    this.limit = max;
    return new Promise((resolve) => {
      const z = this.z;
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        for (const e of ['error', 'close', 'end'] as const) z.off(e, done);
        const all = Buffer.concat(this.out);
        [this.out, this.n] = [[], 0];
        resolve(all);
      };
      if (this.failed) return done();
      // Whichever comes first: the flush (or the end) with all the text so far, or decoding stopping.
      z.once('error', done).once('close', done);
      if (end) z.once('end', done).end(bytes ?? EMPTY);
      else {
        z.write(bytes ?? EMPTY);
        z.flush(() => done());
      }
    });
  }

  /** Stops decoding (nothing more will be read). */
  close(): void {
    if (!this.z.destroyed) this.z.destroy();
  }
}
