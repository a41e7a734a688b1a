// cse: (being written)

import type { Pass } from './pass.js';
import { unchanged } from './pass.js';

export const csePass: Pass = {
  name: 'cse',
  summary: '(not implemented yet)',
  options: {},
  run: () => unchanged,
};
