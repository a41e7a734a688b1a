// plan-memory: (being written)

import type { Pass } from './pass.js';
import { unchanged } from './pass.js';

export const planMemoryPass: Pass = {
  name: 'plan-memory',
  summary: '(not implemented yet)',
  options: {},
  run: () => unchanged,
};
