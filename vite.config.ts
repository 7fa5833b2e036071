import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

/** Files worth compressing (text); images, fonts and the like are compressed already. */
const TEXT_FILE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt)$/;

/**
 * Writes `name.br` (brotli, quality 11) and `name.gz` (gzip -9) beside every built text file of 1 KB
 * or more, once at build time, so the server sends them as they are (@fastify/static `preCompressed`)
 * instead of compressing each answer: the best ratio at no CPU per request. A variant that would not
 * be smaller is not written.
 */
function precompress(outDir: string): Plugin {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: 'tanfang-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!TEXT_FILE.test(file)) continue;
        // The second build (the phone app) finds the first one's files done already.
        if (existsSync(`${file}.br`) && statSync(`${file}.br`).mtimeMs >= statSync(file).mtimeMs) continue;
        const raw = readFileSync(file);
        if (raw.length < 1024) continue;
        const br = brotliCompressSync(raw, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 11,
            [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
          },
        });
        const gz = gzipSync(raw, { level: 9 });
        if (br.length < raw.length) writeFileSync(`${file}.br`, br);
        if (gz.length < raw.length) writeFileSync(`${file}.gz`, gz);
      }
    },
  };
}

const OUT_DIR = resolve(import.meta.dirname, 'dist/web');
const web = (path: string) => resolve(import.meta.dirname, 'src/web', path);

/**
 * Two builds into dist/web (`npm run build` runs both): the office console (default mode) and, with
 * `--mode visitor`, the phone app. The phone app is written against React's API but built on Preact
 * (preact/compat, ~11 KB compressed instead of React's ~58 KB): on a 400 kbit/s line that is a second
 * less before the login screen, and less script for a slow phone to run. Only this build is aliased;
 * `vite` (dev server) and the tests run the same sources on React.
 */
export default defineConfig(({ mode }): UserConfig => {
  const visitor = mode === 'visitor';
  return {
    root: web('.'),
    plugins: [react(), precompress(OUT_DIR)],
    resolve: visitor
      ? {
          alias: [
            { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
            { find: /^react-dom$/, replacement: 'preact/compat' },
            { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
            { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-dev-runtime' },
            { find: /^react$/, replacement: 'preact/compat' },
          ],
        }
      : undefined,
    build: {
      outDir: OUT_DIR,
      // The console build (first) empties the folder; the phone build adds to it.
      emptyOutDir: !visitor,
      chunkSizeWarningLimit: 2000,
      // Every browser that runs this app has modulepreload.
      modulePreload: { polyfill: false },
      rolldownOptions: visitor
        ? // The phone app (/m/): one entry, one script, no antd.
          { input: { visitor: web('visitor/visitor.html') } }
        : {
            input: { console: web('index.html') },
            output: {
              // Console pages are loaded on demand (React.lazy in console/routes.tsx); the rest is
              // split by use. Two vendor chunks are named because they change least: React itself
              // and ECharts (only pages with charts load it, after their figures; echart.tsx).
              codeSplitting: {
                groups: [
                  {
                    name: 'react',
                    test: /node_modules[\\/](?:react|react-dom|scheduler)[\\/]/,
                    priority: 20,
                  },
                  { name: 'echarts', test: /node_modules[\\/](?:echarts|zrender|tslib)[\\/]/, priority: 10 },
                ],
              },
            },
          },
    },
    server: { proxy: { '/api': 'http://localhost:3000' } },
  };
});
