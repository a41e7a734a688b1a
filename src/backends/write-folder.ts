// Writing a compile output folder atomically, shared by the backends: every file goes into a
// temporary folder beside the destination, which replaces it only when complete. Only an empty
// folder or a folder tenth wrote may be replaced: its manifest.json has a tenth format and every
// entry is a file a compile to that format writes. Anything else (a web app beside its own
// manifest.json, the current folder) is refused with E108 and left untouched. A system error
// (ENOENT, EACCES, ENOSPC, ...) is the user's disk, not a bug: E111 names the output. Nothing
// partial is left behind, also on Ctrl-C (the temporary folder is removed on SIGINT/SIGTERM).

import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import { forgetOnSignal, removeOnSignal } from './remove-on-signal.js';

/** File name -> contents (a string is written as UTF-8). */
export type FolderFiles = ReadonlyArray<readonly [string, string | Uint8Array]>;

/** Resolved --out folder -> its temporary folder, created ahead by reserveFolder. */
const reserved = new Map<string, string>();
// Resolved: `--out .` must put its temporary folder beside the current folder, not inside it.
const besideOf = (dir: string, what: string): string => join(dirname(resolve(dir)), `.${basename(resolve(dir))}.${what}-${process.pid}`);

/**
 * Create `dir`'s temporary folder now, before a compile that yields to the event loop: a Ctrl-C
 * during the compile then removes it, and an unwritable parent is E111 before the work rather than
 * after. The returned release removes it where the write did not happen (the compile failed).
 */
export function reserveFolder(dir: string): () => void {
  const abs = resolve(dir);
  const tmp = besideOf(dir, 'tmp');
  removeOnSignal(tmp);
  try {
    checkReplaceable(dir);
    mkdirSync(dirname(abs), { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
  } catch (e) {
    forgetOnSignal(tmp);
    return failWriting(dir, tmp, e);
  }
  reserved.set(abs, tmp);
  return () => {
    if (reserved.get(abs) !== tmp) return;
    reserved.delete(abs);
    rmSync(tmp, { recursive: true, force: true });
    forgetOnSignal(tmp);
  };
}

export function writeFolderAtomically(dir: string, files: FolderFiles): void {
  const abs = resolve(dir);
  const tmp = reserved.get(abs) ?? besideOf(dir, 'tmp');
  const old = besideOf(dir, 'old');
  // Registered, the handler also defers a signal that arrives during this synchronous function
  // until it returns: the swap below is never cut in half.
  removeOnSignal(tmp);
  try {
    checkReplaceable(dir);
    if (!reserved.delete(abs)) {
      mkdirSync(dirname(abs), { recursive: true });
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp);
    }
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    swapIn(tmp, abs, old);
  } catch (e) {
    failWriting(dir, tmp, e);
  } finally {
    forgetOnSignal(tmp);
  }
}

/** Put `tmp` at `dir`: the old folder is renamed away, the new one in, then the old one deleted; there is always a complete folder at `dir`. */
function swapIn(tmp: string, dir: string, old: string): void {
  if (!existsSync(dir)) return renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
  renameSync(dir, old);
  try {
    renameSync(tmp, dir);
  } catch (e) {
    renameSync(old, dir);
    throw e;
  }
  // The new output is in place; an old file that cannot be deleted is not worth failing for.
  try { rmSync(old, { recursive: true, force: true }); } catch { /* left beside it */ }
}

/** Remove the temporary folder; a system error is the user's disk (E111 naming the output), anything else is rethrown. */
function failWriting(dir: string, tmp: string, e: unknown): never {
  try { rmSync(tmp, { recursive: true, force: true }); } catch { /* no parent folder (ENOTDIR): nothing was written */ }
  const sys = e as NodeJS.ErrnoException;
  if (typeof sys.code === 'string' && typeof sys.syscall === 'string') fail('E111', `cannot write ${dir}: ${writeReason(dir, sys)}`);
  throw e;
}

/**
 * The reason a write to `path` failed, as the user should read it: Node's "EEXIST: file already
 * exists" (mkdir of a parent that is a file) or a bare ENOTDIR does not say which file is in the way.
 */
export function writeReason(path: string, e: NodeJS.ErrnoException): string {
  const reason = e.message.replace(/, \w+(?: '.*)?$/s, '');
  if (e.code !== 'EEXIST' && e.code !== 'ENOTDIR') return reason;
  const inTheWay = fileInTheWay(path);
  return inTheWay === undefined ? reason : `ENOTDIR: not a directory (${inTheWay} is a file, not a folder)`;
}

/** The nearest existing ancestor of `path`, where that is not a folder. */
function fileInTheWay(path: string): string | undefined {
  for (let p = dirname(resolve(path)); ; p = dirname(p)) {
    if (existsSync(p)) return statSync(p).isDirectory() ? undefined : p;
    if (dirname(p) === p) return undefined;
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
