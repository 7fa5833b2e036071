import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project folder (the one holding package.json). The server runs either from `src/` through tsx
 * or compiled from `dist/node/` (bin/server-build.mjs), so folders are found from here, not by a fixed
 * number of `..` from the running file.
 */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the server code');
    dir = up;
  }
  return dir;
})();

/** The built web app (vite build). */
export const WEB_DIR = join(ROOT, 'dist/web');

/** The numbered .sql migrations (read from the sources; they are not compiled). */
export const MIGRATIONS_DIR = join(ROOT, 'src/server/db/migrations');
