// dump-to-folder: writes the module as IR text after every pass into a folder, as
// `NN-<pass>.ir` (NN = step number from 01; `00-input.ir` is the input), so a pipeline's effect
// can be read or diffed step by step and any file pasted back into `tenth opt`. Earlier dumps
// (NN-*.ir) in the folder are removed first; other files are left alone.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printModule } from '../ir/printer.js';
import type { Instrument } from './manager.js';
import { stepLabel } from './instruments.js';

/** Files this instrument writes (and clears from the folder before a new pipeline). */
const DUMP_FILE = /^\d{2,}-[\w.{}=,-]+\.ir$/;

export interface DumpOptions {
  /** Also write `00-input.ir` before the first pass (default true). */
  readonly input?: boolean;
}

/** File name for step `index` (0-based) of pass `name`: `01-fold-constants.ir`. */
export function dumpFileName(index: number, name: string): string {
  return `${String(index + 1).padStart(2, '0')}-${name}.ir`;
}

export function dumpToFolderInstrument(dir: string, opts: DumpOptions = {}): Instrument & { readonly files: readonly string[] } {
  const files: string[] = [];
  const write = (name: string, header: string, text: string): void => {
    const path = join(dir, name);
    writeFileSync(path, `// ${header}\n${text}`);
    files.push(path);
  };
  return {
    name: 'dump-to-folder',
    files,
    beforePipeline(e) {
      mkdirSync(dir, { recursive: true });
      // Dumps of an earlier, longer pipeline would read as steps of this one.
      for (const f of readdirSync(dir)) if (DUMP_FILE.test(f)) rmSync(join(dir, f), { force: true });
      files.length = 0;
      if (opts.input ?? true) write('00-input.ir', 'input', printModule(e.module));
    },
    afterPass(e) {
      write(dumpFileName(e.index, e.pass.name), `after ${stepLabel(e)}`, printModule(e.module));
    },
    afterPassFailed(e) {
      try {
        write(dumpFileName(e.index, `${e.pass.name}.failed`), `after FAILED ${stepLabel(e)}`, printModule(e.module));
      } catch {
        // A module too broken to print: the error itself is what the user sees.
      }
    },
  };
}
