// Attribute helpers of the ms-llm mapping files: the importer's shared ones (helpers.ts).

export { intAttr, onlyAttrs } from './helpers.js';
