// Ctrl-C (SIGINT) and SIGTERM for long commands: the first asks the work to stop at the next safe point
// (its signal aborts), the second quits at once; the exit code is 128 + the signal's number.
export interface StopSignals {
  /** Aborts on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM. */
  exitCode(): number;
  /** Stop listening (call when the work is over). */
  dispose(): void;
}

/** Listens for SIGINT and SIGTERM; `what` says what happens on the first one ("writing a checkpoint"). */
export function stopOnSignals(log: (msg: string) => void, what: string): StopSignals {
  const stop = new AbortController();
  let code = 130;
  const onSignal = (signal: NodeJS.Signals): void => {
    code = signal === 'SIGTERM' ? 143 : 130;
    if (stop.signal.aborted) process.exit(code);
    const name = signal === 'SIGTERM' ? 'SIGTERM' : 'Ctrl-C';
    log(`\n${name}: ${what} (${name} again to quit now)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: stop.signal,
    exitCode: () => code,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
