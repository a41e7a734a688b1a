// `npm run golden [-- --update]`: see goldens.ts.
import { checkGoldens } from './goldens.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--update');
if (unknown.length > 0) {
  console.error(`usage: npm run golden [-- --update]   (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const r = await checkGoldens({ update: args.includes('--update') });
console.log(r.text);
process.exit(r.ok ? 0 : 1);
