// canonicalize: applies the rewrite table of passes/rules/ (identity reshape/transpose/cast/
// dropout/identity ops, x*1, x+(-0), x-0, x/1, double neg, transpose, reshape, squeeze and
// unsqueeze chains, batch normalization folded into a preceding conv/gemm/matmul) to a fixed
// point with a worklist. The rules and their contract: passes/README.md.
//
// Assumes a verified module. Afterwards the module still verifies, results are bitwise those of
// the input except where a fold-batchnorm-* rule recomputed weights (float rounding only), every
// new op carries the location of the op it replaced, and ops left without uses by a rewrite are
// gone (other dead ops are dce's business). Counters: firings per rule name, `dead-ops-erased`.

import { fail } from '../ir/diagnostics.js';
import type { Pass } from './pass.js';
import { applyRules } from './rewrite.js';
import { CANONICAL_RULES } from './rules/index.js';

export const canonicalizePass: Pass = {
  name: 'canonicalize',
  summary: 'Local rewrites to canonical forms (identities, transpose/reshape chains, batch norm folding)',
  options: {
    disable: {
      type: 'string',
      default: '',
      summary: "Rule names to skip, separated by '+' (e.g. fold-batchnorm-into-conv+add-zero)",
    },
  },
  run(module, _ctx, options) {
    const off = new Set(String(options['disable'] ?? '').split(/[+\s]+/).filter((s) => s.length > 0));
    const unknown = [...off].filter((n) => !CANONICAL_RULES.some((r) => r.name === n));
    if (unknown.length > 0) fail('E108', `canonicalize: unknown rule(s) ${unknown.join(', ')} in option 'disable'`);
    return applyRules(module, CANONICAL_RULES.filter((r) => !off.has(r.name)));
  },
};
