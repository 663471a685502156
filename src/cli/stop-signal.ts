/**
 * SIGINT and SIGTERM as the stop of a command that runs until interrupted (`watch`), and
 * whether one came, for `main.ts`, which ends the process.
 *
 * Why main must know: it ends the process only once stdout has drained, so that a
 * command's last lines reach a slow reader. After a stop signal that wait could last
 * forever: `taskstore watch | (sleep 1000)` has a reader that never reads, the pipe
 * fills, and the one SIGTERM was taken by the command (its handler replaces the default
 * of dying), so the process stayed until a second one. A stop means now: what stdout
 * still holds is dropped.
 *
 * Tiny and free of imports: main loads it on every start (git hooks start the CLI often).
 * Commands get it through `CliContext.stopSignal`, not by importing it: imported by a
 * command's chunk too, the build made it a chunk of its own, one more file every start loads.
 */

let requested = false;

/** Aborted by the first SIGINT or SIGTERM after this call (the handlers are removed then: a second signal has its default effect). */
export function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    requested = true;
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

/** True once a signal stopped a command through {@link stopSignal}: the process should end without waiting for stdout. */
export function stopRequested(): boolean {
  return requested;
}
