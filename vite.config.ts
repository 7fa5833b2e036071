import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web app lives in src/web; the server serves dist/web.
export default defineConfig({
  root: resolve(import.meta.dirname, 'src/web'),
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        console: resolve(import.meta.dirname, 'src/web/index.html'),
        // The visitor app (/m/): its own light entry, no antd (budget 250 KB gzipped).
        visitor: resolve(import.meta.dirname, 'src/web/visitor/visitor.html'),
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
