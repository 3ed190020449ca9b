// The error for a config (or a command line) the operator has to fix. Its own module, free of the
// YAML parser and the schema, so the Node entry can report a bad argument before it loads them.

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
