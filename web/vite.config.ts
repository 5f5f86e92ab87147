import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The portal is built into dist/web, which Paved serves at `/`. In development, `npx vite web`
// serves it with hot reload and proxies the API to a Paved on :7007.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: path.resolve(import.meta.dirname, '../dist/web'), emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': 'http://localhost:7007', '/git': 'http://localhost:7007' } },
});
