// Temporary folders the CLI compiles into (run/bench on a model): removed when done, and also
// when the process is interrupted (Ctrl-C, SIGTERM) while one exists; a compiled model left in
// /tmp can be tens of megabytes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetOnSignal, removeOnSignal } from '../backends/remove-on-signal.js';

/** A new folder under the system's temporary folder, named `<prefix>XXXXXX`. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  removeOnSignal(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  forgetOnSignal(dir);
}
