// Builds the portal (apps/portal) into dist/apps/portal, which the gateway serves
// (docs/portal.md). The @cairn/portal-* aliases come from tsconfig.base.json's paths.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const workspace = join(here, '..', '..');
const { compilerOptions } = JSON.parse(readFileSync(join(workspace, 'tsconfig.base.json'), 'utf8'));
const alias = Object.fromEntries(
  Object.entries(compilerOptions.paths as Record<string, string[]>)
    .filter(([name]) => name.startsWith('@cairn/portal-') && name !== '@cairn/portal-server')
    .map(([name, [target]]) => [name, join(workspace, target)]),
);

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  // @cairn/examples/<name>/workflow.yaml?raw: the example workflows, loaded into the
  // workflow editor as text (libs/portal-views/src/submit/examples.ts).
  resolve: { alias: { ...alias, '@cairn/examples': join(workspace, 'examples') } },
  build: {
    outDir: join(workspace, 'dist', 'apps', 'portal'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: { host: '127.0.0.1', port: 5173 },
});
