// fuse: (being written)

import type { Pass } from './pass.js';
import { unchanged } from './pass.js';

export const fusePass: Pass = {
  name: 'fuse',
  summary: '(not implemented yet)',
  options: {},
  run: () => unchanged,
};
