// Golden files: the reviewable text of a compile output, one file per kernel, so that a change to
// the compiler shows up in review as the kernels it changed (`tenth diff` reads these folders).
//   wasm:   <kernel>.wat per kernel function, _module.wat (helpers, exports: everything else in
//           model.wat), report.json
//   webgpu: the .wgsl files as emitted, the dispatch plan if any, report.json
// `npm run golden` compares examples/<model>/golden/<target>/ with a fresh compile and shows the
// differences; `npm run golden -- --update` rewrites them.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Split a module's WAT text into its functions, by name (without `$`). */
export function watFunctions(wat: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = wat.split('\n');
  let name: string | undefined;
  let body: string[] = [];
  const flush = (): void => { if (name !== undefined) out.set(name, body.join('\n')); name = undefined; body = []; };
  for (const line of lines) {
    const m = /^ {2}\(func \$([^\s()]+)/.exec(line);
    if (m) { flush(); name = m[1]; body = [line]; continue; }
    if (name !== undefined && /^ {2}\(/.test(line)) flush();
    if (name !== undefined) body.push(line);
  }
  flush();
  return out;
}

/** File name -> text for the golden folder of a compile output folder. */
export function goldenFiles(compiledDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const files = readdirSync(compiledDir).sort();
  // A golden folder already is one.
  if (!files.includes('model.wat')) {
    for (const f of files) if (/\.(wat|wgsl)$/.test(f) || f === 'report.json' || f === 'dispatch.json' || f === 'plan.json') out.set(f, readFileSync(join(compiledDir, f), 'utf8'));
    return out;
  }
  const reportText = existsSync(join(compiledDir, 'report.json')) ? readFileSync(join(compiledDir, 'report.json'), 'utf8') : undefined;
  if (files.includes('model.wat')) {
    const wat = readFileSync(join(compiledDir, 'model.wat'), 'utf8');
    const funcs = watFunctions(wat);
    const report = reportText ? (JSON.parse(reportText) as { kernels?: { name: string; symbol?: string }[] }) : {};
    const kernelFuncs = new Set<string>();
    for (const k of report.kernels ?? []) {
      if (!k.symbol || !funcs.has(k.symbol)) continue;
      out.set(`${k.name}.wat`, `${funcs.get(k.symbol)!}\n`);
      kernelFuncs.add(k.symbol);
    }
    // Everything that is not a kernel function, in order: module header, helpers, exports, run.
    const rest: string[] = [];
    let skipping = false;
    for (const line of wat.split('\n')) {
      const m = /^ {2}\(func \$([^\s()]+)/.exec(line);
      if (m) skipping = kernelFuncs.has(m[1]!);
      else if (/^ {2}\(/.test(line) || /^\)/.test(line)) skipping = false;
      if (!skipping) rest.push(line);
    }
    out.set('_module.wat', rest.join('\n'));
  }
  if (reportText !== undefined) out.set('report.json', reportText);
  return out;
}

export interface GoldenComparison {
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly changed: readonly string[];
}

export function compareGolden(goldenDir: string, files: ReadonlyMap<string, string>): GoldenComparison {
  const have = existsSync(goldenDir) ? readdirSync(goldenDir).sort() : [];
  const missing = [...files.keys()].filter((f) => !have.includes(f)).sort();
  const extra = have.filter((f) => !files.has(f));
  const changed = have.filter((f) => files.has(f) && readFileSync(join(goldenDir, f), 'utf8') !== files.get(f));
  return { missing, extra, changed };
}

export const sameGolden = (c: GoldenComparison): boolean => c.missing.length + c.extra.length + c.changed.length === 0;

/** Replace the golden folder's contents with `files`. */
export function writeGolden(goldenDir: string, files: ReadonlyMap<string, string>): void {
  rmSync(goldenDir, { recursive: true, force: true });
  mkdirSync(goldenDir, { recursive: true });
  for (const [f, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) writeFileSync(join(goldenDir, f), text);
}
