// Signals that come while the process starts (modules loading, config read, packs loading), before
// the server and its drain exist. Node's default for SIGHUP is to exit: one is held from the first
// moment and applied once serving (it killed the process within ~0.7 s of start). SIGTERM/SIGINT stop
// at once with exit 0, as a drained process does: Node's default ended it by the signal (143, reason
// Error), and as a container's PID 1 the signal was ignored (the pod waited for its SIGKILL).

export interface EarlySignals {
  /** Whether a SIGHUP came while starting (main applies it as a reload once serving). */
  readonly hup: boolean;
  /** What a SIGHUP while starting logs; run at once for one that already came. */
  onHup(log: () => void): void;
  /** What a SIGTERM/SIGINT while starting logs before the exit (default: a line on stderr). */
  onStop(log: (signal: NodeJS.Signals) => void): void;
  /** Hands SIGHUP back (the config reload takes it over). */
  releaseHup(): void;
  /** Hands SIGTERM/SIGINT back (the drain takes them over). */
  releaseStop(): void;
}

export function holdEarlySignals(): EarlySignals {
  let hup = false;
  let logHup = () => {};
  const onHup = () => {
    hup = true;
    logHup();
  };
  process.on('SIGHUP', onHup);
  // The bundle's entry (dist/semroute.mjs, written by build.mjs) held the ones that came while the bundle loaded.
  const banner = (globalThis as { __semrouteEarlyHup?: { count: number; handler: () => void } }).__semrouteEarlyHup;
  if (banner) {
    process.off('SIGHUP', banner.handler);
    if (banner.count) hup = true;
  }
  let logStop: (signal: NodeJS.Signals) => void = (signal) => void process.stderr.write(`semroute: ${signal} while starting: stopped\n`);
  const onStop = (signal: NodeJS.Signals) => {
    logStop(signal);
    process.exit(0);
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  // The bundle's entry held them while the bundle loaded (build.mjs).
  const entryStop = (globalThis as { __semrouteEarlyStop?: () => void }).__semrouteEarlyStop;
  if (entryStop) ['SIGTERM', 'SIGINT'].forEach((sig) => process.off(sig, entryStop));
  return {
    get hup() {
      return hup;
    },
    onHup(log) {
      logHup = log;
      if (hup) log();
    },
    onStop(log) {
      logStop = log;
    },
    releaseHup: () => void process.off('SIGHUP', onHup),
    releaseStop: () => ['SIGTERM', 'SIGINT'].forEach((sig) => process.off(sig, onStop)),
  };
}
