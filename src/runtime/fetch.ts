// Reading the artifact's files wherever the runtime runs. Node and Deno read paths and file: URLs
// from the file system (Node 20's fetch cannot read file: URLs); anything else (http(s) URLs, and
// in a browser or worker every string, resolved against the page's location) is fetched.

import { TenthRuntimeError } from './errors.js';

const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
const isFileUrl = (s: string): boolean => /^file:/i.test(s);
const asDir = (s: string): string => (s.endsWith('/') ? s : `${s}/`);

const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown; location?: { href: string } };
const hasFs = (): boolean => g.process?.versions?.node !== undefined || g.Deno !== undefined;

// The specifier sits in a variable, with the bundlers' ignore hints, because bundlers building for
// browsers (esbuild, webpack, Vite) otherwise try to resolve node:fs/promises and stop, although
// this import never runs there.
const NODE_FS = 'node:fs/promises';

/** The bytes of FILE in the folder BASE (a path in Node/Deno, or a URL, possibly relative). */
export async function readBytes(base: string, file: string): Promise<Uint8Array> {
  if ((isUrl(base) && !isFileUrl(base)) || !hasFs()) {
    const url = new URL(file, new URL(asDir(base), g.location?.href));
    const res = await fetch(url);
    if (!res.ok) throw new TenthRuntimeError(res.status === 404 ? 'E101' : 'E102', `tenth runtime: cannot fetch ${url} (${res.status})`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const fs = (await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS)) as typeof import('node:fs/promises');
  const path = isFileUrl(base) ? new URL(file, asDir(base)) : `${base.replace(/\/+$/, '')}/${file}`;
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    // Node's "ENOENT: no such file or directory, open '/x/weights.bin'" without the repeated path.
    const err = e as { code?: unknown; message?: string };
    const reason = String(err.message ?? e).replace(/, \w+ '.*'$/s, '');
    throw new TenthRuntimeError(err.code === 'ENOENT' ? 'E101' : 'E102', `tenth runtime: cannot read ${String(path)}: ${reason}`, { cause: e });
  }
}
