// Runs the rendering worker from its TypeScript source (tests, `npm run dev`): worker threads do
// not inherit the TypeScript loader of the thread that started them. The build runs render-worker.js.
import { tsImport } from 'tsx/esm/api';

const worker = await tsImport('./render-worker.ts', import.meta.url);
export default worker.default;
