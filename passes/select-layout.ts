// select-layout: (being written)

import type { Pass } from './pass.js';
import { unchanged } from './pass.js';

export const selectLayoutPass: Pass = {
  name: 'select-layout',
  summary: '(not implemented yet)',
  options: {},
  run: () => unchanged,
};
