import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/server/paths.js';
import { errorsWithEdit } from './compile-with.js';

/**
 * One contract (issue 24): a field added to a route's schema in src/shared/api reaches the console's
 * form and the phone's form with no second declaration. The contract file is changed in memory only
 * (a compiler host that serves the edited text), and the compiler must then point at both forms —
 * the places that still build the request without the new field.
 */
const CONTRACT = resolve(ROOT, 'src/shared/api/visits.ts');
const CONSOLE_FORM = resolve(ROOT, 'src/web/console/visits/visit-form-page.tsx');
const PHONE_SENDER = resolve(ROOT, 'src/web/visitor/state.ts');
// The server's app: its plugins' type augmentations (cookies, multipart) and every route.
const SERVER_APP = resolve(ROOT, 'src/server/app.ts');

const errorsByFile = (contractText: string) =>
  errorsWithEdit(CONTRACT, contractText, [CONSOLE_FORM, PHONE_SENDER, SERVER_APP]);

describe('a field added to the contract', () => {
  const original = readFileSync(CONTRACT, 'utf8');
  const anchor = '  /** An officer recording for a visitor; a visitor records as themselves. */';

  it('compiles as it is', () => {
    const errors = errorsByFile(original);
    expect([...errors.entries()]).toEqual([]);
  }, 120_000);

  it('reaches the console form and the phone, which must now fill it (and nothing else breaks)', () => {
    expect(original).toContain(anchor);
    // A required field of the visit body, with its limit, declared once.
    const edited = original.replace(
      anchor,
      `  companions: z.number().int().min(0).max(10, '同行人数不超过 10'),\n${anchor}`,
    );
    const errors = errorsByFile(edited);
    const files = [...errors.keys()].sort();
    expect(files).toEqual([PHONE_SENDER, CONSOLE_FORM].sort());
    for (const f of files) expect(errors.get(f)!.join('\n')).toMatch(/companions/);
  }, 120_000);
});
