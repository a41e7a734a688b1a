// Writing a compile output folder atomically, shared by the backends: every file goes into a
// temporary folder beside the destination, which replaces it only when complete. Only an empty
// folder or a folder tenth wrote may be replaced: its manifest.json has a tenth format and every
// entry is a file a compile to that format writes. Anything else (a web app beside its own
// manifest.json, a project's current folder) is refused with E108 and left untouched. A system error
// (ENOENT, EACCES, ENOSPC, ...) is the user's disk, not a bug: E111 names the output. Nothing
// partial is left behind, also on Ctrl-C (the temporary folder is removed on SIGINT/SIGTERM), and
// a failed compile removes the parent folders it created for --out.
// The current folder (`--out .`), or a folder holding it, keeps its identity: a shell inside it
// would otherwise be left in a deleted folder. Its contents are replaced in place (new files
// moved in, then the old ones that the new output lacks removed).

import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import { FORMAT, type TenthFormat } from '../runtime/common.js';
import { forgetOnSignal, removeOnSignal } from './remove-on-signal.js';

/** File name -> contents (a string is written as UTF-8). */
export type FolderFiles = ReadonlyArray<readonly [string, string | Uint8Array]>;

/** Resolved --out folder -> its temporary folder, created ahead by reserveFolder. */
const reserved = new Map<string, string>();
/** Resolved --out folder -> the first parent folder its reservation created (removed again when the compile fails). */
const createdFor = new Map<string, string>();
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
  let created: string | undefined;
  try {
    checkReplaceable(dir);
    created = mkdirSync(dirname(abs), { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
  } catch (e) {
    forgetOnSignal(tmp);
    removeCreated(created, dirname(abs));
    return failWriting(dir, tmp, e);
  }
  reserved.set(abs, tmp);
  if (created !== undefined) createdFor.set(abs, created);
  return () => {
    if (reserved.get(abs) !== tmp) return;
    reserved.delete(abs);
    rmSync(tmp, { recursive: true, force: true });
    forgetOnSignal(tmp);
    const first = createdFor.get(abs);
    createdFor.delete(abs);
    removeCreated(first, dirname(abs));
  };
}

/** Remove the empty folders from `deepest` up to `first` (what mkdirSync's recursive create returned); one that is not empty stays, with those above it. */
function removeCreated(first: string | undefined, deepest: string): void {
  if (first === undefined) return;
  for (let p = deepest; p.startsWith(first); p = dirname(p)) {
    try { rmdirSync(p); } catch { return; }
    if (p === first) return;
  }
}

export function writeFolderAtomically(dir: string, files: FolderFiles): void {
  const abs = resolve(dir);
  const tmp = reserved.get(abs) ?? besideOf(dir, 'tmp');
  const old = besideOf(dir, 'old');
  // Registered, the handler also defers a signal that arrives during this synchronous function
  // until it returns: the swap below is never cut in half.
  removeOnSignal(tmp);
  let created: string | undefined;
  try {
    const wasReserved = reserved.delete(abs);
    if (wasReserved) created = createdFor.get(abs);
    createdFor.delete(abs);
    checkReplaceable(dir);
    if (!wasReserved) {
      created = mkdirSync(dirname(abs), { recursive: true });
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp);
    }
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    if (holdsCwd(abs)) replaceContents(tmp, abs);
    else swapIn(tmp, abs, old);
  } catch (e) {
    removeCreated(created, dirname(abs));
    failWriting(dir, tmp, e);
  } finally {
    forgetOnSignal(tmp);
  }
}

/** Whether the process's working folder is `dir` or inside it (the user's shell is likely there too). */
function holdsCwd(dir: string): boolean {
  const cwd = process.cwd();
  return cwd === dir || cwd.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * Put `tmp`'s files into `dir` without replacing the folder itself: each new file is renamed over
 * its old one, then the old files the new output does not have are removed. Not atomic as swapIn
 * is, but every file is whole at every moment, and `dir` (a shell's working folder) survives.
 */
function replaceContents(tmp: string, dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir);
  const fresh = new Set(readdirSync(tmp));
  for (const name of fresh) renameSync(join(tmp, name), join(dir, name));
  // checkReplaceable allowed only files tenth writes here: each stale one is such a file.
  for (const name of readdirSync(dir)) if (!fresh.has(name)) rmSync(join(dir, name), { force: true });
  rmSync(tmp, { recursive: true, force: true });
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
  if (isSystemError(e)) fail('E111', `cannot write ${dir}: ${writeReason(dir, e)}`);
  throw e;
}

/** A Node system error (ENOENT, EACCES, ...): it carries `code` and `syscall`. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string; syscall: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** 'ENOENT: no such file or directory' from Node's "ENOENT: no such file or directory, mkdir '/x'". */
export function systemReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return isSystemError(e) ? m.replace(/, \w+(?: '.*)?$/s, '') : m;
}

/**
 * The reason a write to `path` failed, as the user should read it: Node's "EEXIST: file already
 * exists" (mkdir of a parent that is a file) or a bare ENOTDIR does not say which file is in the way.
 */
export function writeReason(path: string, e: NodeJS.ErrnoException): string {
  const reason = systemReason(e);
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
const WRITES: Readonly<Record<TenthFormat, (name: string) => boolean>> = {
  [FORMAT.wasm]: (n) => COMMON.has(n) || /^model(-relaxed)?(-threads)?\.(wasm|wat)$/.test(n),
  [FORMAT.webgpu]: (n) => COMMON.has(n) || n === 'plan.json' || /^[\w.-]+\.wgsl$/.test(n),
};

/** The `format` field of DIR/manifest.json (undefined when absent); a missing file or bad JSON throws as readFileSync/JSON.parse do. */
export function manifestFormat(dir: string): unknown {
  return (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { format?: unknown } | null)?.format;
}

/** Why `dir` (which exists) is not a folder tenth may replace, or undefined when it is one. */
export function notReplaceable(dir: string): string | undefined {
  if (!statSync(dir).isDirectory()) return 'it is a file';
  const names = readdirSync(dir);
  if (names.length === 0) return undefined;
  let format: unknown;
  try {
    format = manifestFormat(dir);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it has no manifest.json' : 'its manifest.json is not one tenth wrote';
  }
  const writes = typeof format === 'string' && Object.hasOwn(WRITES, format) ? WRITES[format as TenthFormat] : undefined;
  if (!writes) return `its manifest.json is not one tenth wrote (format ${JSON.stringify(format ?? null)})`;
  const foreign = names.filter((n) => !writes(n) || !lstatSync(join(dir, n)).isFile()).sort();
  if (foreign.length === 0) return undefined;
  const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, ... (${foreign.length} in all)` : '');
  return `it holds ${shown}, which tenth does not write`;
}

/**
 * E108 unless `dir` is absent, empty, or a compile output (checked before a long compile, and again
 * when writing). With the CLI's working folder `cwd`, the message says when `dir` is that folder.
 */
export function checkReplaceable(dir: string, cwd?: string): void {
  if (!existsSync(dir)) return;
  const why = notReplaceable(dir);
  if (why === undefined) return;
  const shown = cwd !== undefined && resolve(cwd) === resolve(dir) ? `${dir} (the current folder)` : dir;
  fail('E108', `refusing to replace ${shown}: it exists and is not a compiled artifact (${why}); tenth replaces only an empty folder or one it compiled: choose another --out`);
}

/** JSON as the artifacts write it: two-space indent, final newline. */
export const jsonText = (x: unknown): string => JSON.stringify(x, null, 2) + '\n';
