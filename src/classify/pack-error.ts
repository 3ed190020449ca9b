// The one error type for a pack that cannot be used: it always names the file and, where one is at
// fault, the field, so an operator can fix the pack without reading code.

export class PackError extends Error {
  readonly file: string;
  readonly field: string | undefined;
  readonly detail: string;

  constructor(file: string, field: string | undefined, detail: string, readonly location?: string) {
    const where = `${file}${field ? ` field "${field}"` : ''}`;
    super(location ? `model pack ${location}: ${where}: ${detail}` : `${where}: ${detail}`);
    this.name = 'PackError';
    this.file = file;
    this.field = field;
    this.detail = detail;
  }

  /** The same error, prefixed with the pack's location. */
  at(location: string): PackError {
    return new PackError(this.file, this.field, this.detail, location);
  }
}

/**
 * The device the config asked for cannot run (device: cuda without the CUDA libraries or a GPU). Not
 * a fault of any pack: the loader passes it on as is, and startup stops on it rather than serve with
 * every pack missing (routing off, the jailbreak guard failing open).
 */
export class ProviderUnavailableError extends Error {
  constructor(
    readonly provider: string,
    detail: string,
  ) {
    super(`${provider} execution provider unavailable: ${detail}`);
    this.name = 'ProviderUnavailableError';
  }
}

/** Short, single-line text of an unknown thrown value (engine messages can be multi-line). */
export function errorText(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  const line = s.split('\n').find((l) => l.trim().length > 0) ?? s;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
