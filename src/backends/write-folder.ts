// Writing a compile output folder atomically, shared by the backends: every file goes into a
// temporary folder beside the destination, which replaces it only when complete. An existing
// compiled folder (it has a manifest.json) or an empty folder may be replaced; anything else is
// refused (E108). A system error (ENOENT, EACCES, ENOSPC, ...) is the user's disk, not a bug: E111
// names the output; nothing partial is left behind.

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail } from '../../ir/diagnostics.js';

/** File name -> contents (a string is written as UTF-8). */
export type FolderFiles = ReadonlyArray<readonly [string, string | Uint8Array]>;

export function writeFolderAtomically(dir: string, files: FolderFiles): void {
  const parent = dirname(dir);
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    if (existsSync(dir)) {
      const empty = statSync(dir).isDirectory() && readdirSync(dir).length === 0;
      if (!empty && !existsSync(join(dir, 'manifest.json'))) fail('E108', `refusing to replace ${dir}: it exists and is not a compiled artifact`);
      rmSync(dir, { recursive: true, force: true });
    }
    renameSync(tmp, dir);
  } catch (e) {
    try { rmSync(tmp, { recursive: true, force: true }); } catch { /* no parent folder (ENOTDIR): nothing was written */ }
    const sys = e as NodeJS.ErrnoException;
    if (typeof sys.code === 'string' && typeof sys.syscall === 'string') fail('E111', `cannot write ${dir}: ${sys.message.replace(/, \w+(?: '.*)?$/s, '')}`);
    throw e;
  }
}

/** JSON as the artifacts write it: two-space indent, final newline. */
export const jsonText = (x: unknown): string => JSON.stringify(x, null, 2) + '\n';
