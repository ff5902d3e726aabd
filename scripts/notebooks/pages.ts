/**
 * Makes the committed notebook pages editable in a fresh checkout: writes
 * notebooks/assets/page.js (bundle.ts) without running the notebooks, as
 * `npm run docs` does after running them. Part of `npm start`.
 */
import { buildPageScript } from './bundle.js';
import { COMMITTED, ROOT } from './render.js';

const bytes = await buildPageScript(ROOT, COMMITTED);
console.log(`notebook pages: notebooks/assets/page.js written (${(bytes / 1e3).toFixed(0)} kB); open notebooks/index.html to edit and run the cells`);
