// A part of a config generation's deps (packs, cache, upstream pool) that several generations may
// share across config reloads (runtimes/node/config-reload.ts): freed once, when the last holder lets go.
export class Part<T> {
  private holders = 0;
  private freed = false;
  constructor(
    readonly key: string,
    readonly value: T,
    private readonly free: (v: T) => Promise<void> | undefined,
  ) {}
  hold(): this {
    this.holders++;
    return this;
  }
  /** Resolves true when this was the last holder and the part is now freed. */
  async drop(): Promise<boolean> {
    if (--this.holders > 0) return false;
    await this.freeNow();
    return true;
  }
  async freeNow(): Promise<void> {
    if (this.freed) return;
    this.freed = true;
    await this.free(this.value)?.catch(() => {});
  }
}
