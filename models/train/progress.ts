// A one-line progress bar on stderr (redrawn in place on a TTY, one line per 10% otherwise).
export class Progress {
  private last = -1;
  private readonly t0 = Date.now();
  constructor(private readonly label: string, private readonly total: number) {}
  tick(done: number, note = ''): void {
    const frac = this.total ? Math.min(1, done / this.total) : 1;
    const pct = Math.floor(frac * 100);
    const tty = process.stderr.isTTY;
    if (!tty && Math.floor(pct / 10) === Math.floor(this.last / 10) && done < this.total) return;
    if (pct === this.last && done < this.total) return;
    this.last = pct;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const secs = ((Date.now() - this.t0) / 1000).toFixed(1);
    const line = `${this.label} [${bar}] ${String(pct).padStart(3)}% ${secs}s ${note}`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    if (tty && done >= this.total) process.stderr.write('\n');
  }
}
