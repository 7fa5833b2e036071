import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/server/paths.js';

/**
 * The module borders hold by construction (ARCHITECTURE.md, "Enforced rules"): a file that breaks one
 * is planted for a moment and the tool `npm run check` runs must refuse it.
 */

/** Runs dependency-cruiser on one file with the project's rules; returns the violated rule names. */
function cruise(file: string): string[] {
  let stdout: string;
  try {
    stdout = execFileSync(
      join(ROOT, 'node_modules/.bin/depcruise'),
      [file, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (e) {
    stdout = (e as { stdout: string }).stdout;
  }
  return JSON.parse(stdout).summary.violations.map((v: { rule: { name: string } }) => v.rule.name);
}

/** Type errors of one file, checked with the project's compiler options. */
function typeErrors(file: string): string[] {
  const cfg = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT);
  const program = ts.createProgram([file], { ...parsed.options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

function planted(rel: string, text: string, check: (file: string) => void) {
  const file = join(ROOT, rel);
  const dir = dirname(file);
  const made = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text);
  try {
    check(rel);
  } finally {
    rmSync(made ? dir : file, { recursive: true, force: true });
  }
}

describe('module borders', () => {
  it('refuses a schema built in a route file: routes use the contract (type-only zod imports pass)', () => {
    planted(
      'src/server/modules/planted-zod/routes.ts',
      "import { z } from 'zod';\nexport const Body = z.object({ name: z.string() });\n",
      (f) => expect(cruise(f)).toContain('routes-use-the-contract'),
    );
    planted(
      'src/server/modules/planted-zod/routes.ts',
      "import type { z } from 'zod';\nexport type Out = z.ZodType;\n",
      (f) => expect(cruise(f)).toEqual([]),
    );
  });

  it('keeps zod and antd out of the phone at run time (as types they are fine)', () => {
    planted(
      'src/web/visitor/planted-heavy.ts',
      "import { z } from 'zod';\nexport const S = z.string();\n",
      (f) => expect(cruise(f)).toContain('phone-stays-light'),
    );
    planted(
      'src/web/visitor/planted-heavy.ts',
      "import type { z } from 'zod';\nexport type T = z.ZodType;\n",
      (f) => expect(cruise(f)).toEqual([]),
    );
  });

  it('refuses a deep import into another module (only its index.ts is public)', () => {
    planted(
      'src/server/modules/care/planted-border.ts',
      "import { insertPersonEvent } from '../persons/repo.js';\nexport const x = insertPersonEvent;\n",
      (f) => expect(cruise(f)).toContain('module-public-entry'),
    );
    planted(
      'src/server/modules/care/planted-border.ts',
      "import { insertPersonEvent } from '../persons/index.js';\nexport const x = insertPersonEvent;\n",
      (f) => expect(cruise(f)).toEqual([]),
    );
  });

  it('refuses SQL outside a repository: a raw query does not compile, and the sql tag cannot be imported', () => {
    planted(
      'src/server/modules/care/planted-sql.ts',
      "import type { Queryable } from '../../db/db.js';\nexport const f = (q: Queryable) => q.query('select 1');\n",
      (f) => expect(typeErrors(f).join('\n')).toMatch(/not assignable to parameter of type 'Sql'/),
    );
    planted(
      'src/server/modules/care/planted-sql.ts',
      "import type { Queryable } from '../../db/db.js';\nimport { sql } from '../../db/sql.js';\nexport const f = (q: Queryable) => q.query(sql('select 1'));\n",
      (f) => expect(cruise(f)).toContain('sql-only-in-repositories'),
    );
    // The same in a repository is what repositories are for.
    planted(
      'src/server/modules/care/planted/repo.ts',
      "import type { Queryable } from '../../../db/db.js';\nimport { sql } from '../../../db/sql.js';\nexport const f = (q: Queryable) => q.query(sql('select 1'));\n",
      (f) => expect(cruise(f)).toEqual([]),
    );
  }, 60000);

  it('refuses server code in src/shared and the web', () => {
    planted(
      'src/shared/planted-border.ts',
      "import { ROOT } from '../server/paths.js';\nexport const x = ROOT;\n",
      (f) => expect(cruise(f)).toContain('shared-is-isomorphic'),
    );
  });
});
