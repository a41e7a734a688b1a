// Every built-in pass, registered once at load. Add new passes to this list.

import { registerPass } from './registry.js';
import { foldConstantsPass } from './fold-constants.js';
import { dcePass } from './dce.js';
import { csePass } from './cse.js';
import { canonicalizePass } from './canonicalize.js';
import { fusePass } from './fuse.js';
import { selectLayoutPass } from './select-layout.js';
import { planMemoryPass } from './plan-memory.js';
import { einsumMatmulPass } from './einsum-matmul.js';

export const BUILTIN_PASSES = [
  foldConstantsPass,
  dcePass,
  csePass,
  canonicalizePass,
  fusePass,
  selectLayoutPass,
  planMemoryPass,
  einsumMatmulPass,
];

for (const p of BUILTIN_PASSES) registerPass(p);
