// fold-constants: (being written)

import type { Pass } from './pass.js';
import { unchanged } from './pass.js';

export const foldConstantsPass: Pass = {
  name: 'fold-constants',
  summary: '(not implemented yet)',
  options: {},
  run: () => unchanged,
};
