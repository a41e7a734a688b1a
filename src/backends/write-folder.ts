// Writing a compile output folder atomically, shared by the backends: every file goes into a
// temporary folder beside the destination, which replaces it only when complete. Only an empty
// folder or a folder tenth wrote may be replaced: its manifest.json has a tenth format and every
// entry is a file a compile to that format writes. Anything else (a web app beside its own
// manifest.json, the current folder) is refused with E108 and left untouched. A system error (ENOENT, EACCES, ENOSPC, ...) is the user's disk, not a bug: E111
// names the output; nothing partial is left behind.

import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';

/** File name -> contents (a string is written as UTF-8). */
export type FolderFiles = ReadonlyArray<readonly [string, string | Uint8Array]>;

export function writeFolderAtomically(dir: string, files: FolderFiles): void {
  // Resolved: `--out .` must put its temporary folder beside the current folder, not inside it.
  const parent = dirname(resolve(dir));
  const tmp = join(parent, `.${basename(resolve(dir))}.tmp-${process.pid}`);
  try {
    checkReplaceable(dir);
    mkdirSync(parent, { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    if (existsSync(dir)) {
      checkReplaceable(dir);
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

const COMMON = new Set(['manifest.json', 'weights.bin', 'report.json', 'report.html']);
/** The files a compile to each format writes (wasm/compile.ts writeArtifact, webgpu/compile.ts writeWebGpuArtifact). */
const WRITES: Readonly<Record<string, (name: string) => boolean>> = {
  'tenth-wasm/1': (n) => COMMON.has(n) || /^model(-relaxed)?(-threads)?\.(wasm|wat)$/.test(n),
  'tenth-webgpu/1': (n) => COMMON.has(n) || n === 'plan.json' || /^[\w.-]+\.wgsl$/.test(n),
};

/** Why `dir` (which exists) is not a folder tenth may replace, or undefined when it is one. */
export function notReplaceable(dir: string): string | undefined {
  if (!statSync(dir).isDirectory()) return 'it is a file';
  const names = readdirSync(dir);
  if (names.length === 0) return undefined;
  let format: unknown;
  try {
    format = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { format?: unknown } | null)?.format;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it has no manifest.json' : 'its manifest.json is not one tenth wrote';
  }
  const writes = typeof format === 'string' ? WRITES[format] : undefined;
  if (!writes) return `its manifest.json is not one tenth wrote (format ${JSON.stringify(format ?? null)})`;
  const foreign = names.filter((n) => !writes(n) || !lstatSync(join(dir, n)).isFile()).sort();
  if (foreign.length === 0) return undefined;
  const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, ... (${foreign.length} in all)` : '');
  return `it holds ${shown}, which tenth does not write`;
}

/** E108 unless `dir` is absent, empty, or a compile output (checked before a long compile, and again when writing). */
export function checkReplaceable(dir: string, shown = dir): void {
  if (!existsSync(dir)) return;
  const why = notReplaceable(dir);
  if (why === undefined) return;
  fail('E108', `refusing to replace ${shown}: it exists and is not a compiled artifact (${why}); tenth replaces only an empty folder or one it compiled: choose another --out`);
}

/** JSON as the artifacts write it: two-space indent, final newline. */
export const jsonText = (x: unknown): string => JSON.stringify(x, null, 2) + '\n';
