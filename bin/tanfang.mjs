#!/usr/bin/env node
// The tanfang command: runs the TypeScript sources through tsx, so no separate server build is needed.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
