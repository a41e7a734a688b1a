// `tenth diff OLD_DIR NEW_DIR`: review two compile outputs (or two golden folders) kernel by
// kernel: added, removed and changed kernels with their cost deltas, sorted by impact, a total
// line, then unified diffs of the kernel text. Exit 0 when nothing changed, 1 when something did
// (like diff(1)), 2 on bad input.

import { resolve } from 'node:path';
import { diffKernelSets, formatDiff, readKernelSet } from '../report/diff.js';
import type { CliContext, Command } from './context.js';
import { EXIT } from './context.js';

export const diffCommand: Command = {
  spec: {
    name: 'diff',
    summary: 'Compare two compile outputs or golden folders: kernels added, removed and changed, with cost deltas.',
    details: [
      'Kernels are matched by label (the step number is ignored), so one changed kernel shows as one kernel.',
      'Each change line gives the delta of FLOPs, bytes and predicted time (from report.json); changes are',
      'sorted by the size of the predicted-time delta; a total line follows, then the unified diffs.',
      'Exit status: 0 when the folders hold the same kernels, 1 when they differ, 2 on bad input.',
    ].join('\n'),
    positionals: [{ name: 'OLD_DIR', help: 'the old compile output or golden folder' }, { name: 'NEW_DIR', help: 'the new one' }],
    options: [
      { name: 'json', kind: 'boolean', help: 'print {"changes":[...],"unchanged":N,"total":{...}} instead of text' },
      { name: 'stat', kind: 'boolean', help: 'list the changes and the total only, without the unified diffs' },
      { name: 'context', kind: 'string', arg: 'N', help: 'lines of context in the unified diffs', default: '3' },
    ],
  },
  run(args, ctx: CliContext) {
    const [a, b] = args.positionals.map((p) => resolve(ctx.cwd, p));
    const context = Math.max(0, Number.parseInt(String(args.options['context']), 10) || 0);
    const r = diffKernelSets(readKernelSet(a!), readKernelSet(b!), context);
    const shown = { ...r, old: args.positionals[0]!, new: args.positionals[1]! };
    if (args.options['json'] === true) ctx.io.out(JSON.stringify(shown, null, 2) + '\n');
    else ctx.io.out(formatDiff(shown, args.options['stat'] !== true));
    return r.changes.length === 0 ? EXIT.ok : EXIT.checkFailed;
  },
};
