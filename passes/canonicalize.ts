// canonicalize: (being written)

import type { Pass } from './pass.js';
import { unchanged } from './pass.js';

export const canonicalizePass: Pass = {
  name: 'canonicalize',
  summary: '(not implemented yet)',
  options: {},
  run: () => unchanged,
};
