#!/usr/bin/env node
// The tanfang command. Runs the compiled server (dist/node, rebuilt from the sources when they
// changed: bin/server-build.mjs); TANFANG_TSX=1 runs the TypeScript sources through tsx instead.
import { compiledServer } from './server-build.mjs';

const compiled = process.env.TANFANG_TSX === '1' ? null : await compiledServer();
if (compiled) await import(compiled);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
