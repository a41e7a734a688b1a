// The canonicalize rule table: every rule of passes/rules/*.ts, in the order they are tried on an
// op (the first that matches fires). Add new tables here.

import type { Rule } from '../rewrite.js';
import { ARITH_RULES } from './arith.js';
import { BATCHNORM_RULES } from './batchnorm.js';
import { IDENTITY_RULES } from './identity.js';
import { LAYOUT_RULES } from './layout.js';

export const CANONICAL_RULES: readonly Rule[] = [...IDENTITY_RULES, ...ARITH_RULES, ...LAYOUT_RULES, ...BATCHNORM_RULES];
