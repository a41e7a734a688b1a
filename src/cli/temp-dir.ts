// Temporary folders the CLI compiles into (run/bench on a model): removed when done, and also
// when the process is interrupted (Ctrl-C, SIGTERM) while one exists; a compiled model left in
// /tmp can be tens of megabytes. Interrupted, the process then dies by the same signal, as it
// would have without the handler (handlers are installed only while a folder exists).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function onSignal(sig: NodeJS.Signals): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
  unhook();
  process.kill(process.pid, sig);
}

function unhook(): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/** A new folder under the system's temporary folder, named `<prefix>XXXXXX`. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (live.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  live.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
  if (live.size === 0) unhook();
}
