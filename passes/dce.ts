// dce: (being written)

import type { Pass } from './pass.js';
import { unchanged } from './pass.js';

export const dcePass: Pass = {
  name: 'dce',
  summary: '(not implemented yet)',
  options: {},
  run: () => unchanged,
};
