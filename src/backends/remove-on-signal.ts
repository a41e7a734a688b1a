// Paths removed when the process is interrupted (Ctrl-C, SIGTERM) while they exist: the CLI's
// temporary compile folders and a compile's half-written --out folder. Interrupted, the process
// then dies by the same signal, as it would have without the handler.
//
// Handlers are installed only while a path is registered: with a listener, Node delivers a signal
// between event-loop turns, so a long synchronous computation would not stop at Ctrl-C. A signal
// that arrives during synchronous work is still pending when that work forgets its path, and
// removing the listener then would drop it (the process would carry on as if no Ctrl-C came).
// Node reads pending signals in the poll phase of the event loop; timers run before it, so a timer
// (of any delay, once synchronous work outlasts it) can unhook first. setImmediate callbacks run
// after the poll phase: the listener goes only after a poll phase that began after the forget
// (twice: a forget inside a poll-phase callback runs its first immediate before the next poll).

import { rmSync } from 'node:fs';

const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let hooked = false;
let unhookTimer: ReturnType<typeof setImmediate> | undefined;

function onSignal(sig: NodeJS.Signals): void {
  for (const path of live) rmSync(path, { recursive: true, force: true });
  live.clear();
  unhook();
  process.kill(process.pid, sig);
}

function unhook(): void {
  if (unhookTimer !== undefined) clearImmediate(unhookTimer);
  unhookTimer = undefined;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  hooked = false;
}

/** Remove `path` (file or folder) if the process is interrupted before `forgetOnSignal(path)`. */
export function removeOnSignal(path: string): void {
  if (unhookTimer !== undefined) clearImmediate(unhookTimer);
  unhookTimer = undefined;
  if (!hooked) for (const s of SIGNALS) process.on(s, onSignal);
  hooked = true;
  live.add(path);
}

export function forgetOnSignal(path: string): void {
  live.delete(path);
  if (live.size > 0 || !hooked || unhookTimer !== undefined) return;
  unhookTimer = setImmediate(() => {
    unhookTimer = setImmediate(() => { if (live.size === 0) unhook(); });
  });
}

/**
 * Resolves after the event loop has read the signals pending now (handling them, where a path is
 * registered): await it before an irreversible step so that a Ctrl-C during the synchronous work
 * before it stops the process first. A resolved promise is not enough: microtasks run before Node
 * reads signals.
 */
export function signalsRead(): Promise<void> {
  return new Promise((done) => setImmediate(() => setImmediate(done)));
}
