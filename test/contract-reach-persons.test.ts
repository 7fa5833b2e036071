import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/server/paths.js';
import { errorsWithEdit } from './compile-with.js';

/**
 * One contract (issue 24) for the person file: a field added to the person body in
 * src/shared/api/persons.ts reaches the console's person form with no second declaration. The
 * contract is edited in memory only; the compiler must then point at the form (which builds the
 * request field by field) and at nothing else. (The form's limits and choices come from the same
 * file: PERSON_LIMITS, PERSON_CHOICES — src/shared/api/contract-modules.test.ts.)
 */
const CONTRACT = resolve(ROOT, 'src/shared/api/persons.ts');
const PERSON_FORM = resolve(ROOT, 'src/web/console/persons/person-form.tsx');
const SERVER_APP = resolve(ROOT, 'src/server/app.ts');

const errorsByFile = (contractText: string) =>
  errorsWithEdit(CONTRACT, contractText, [PERSON_FORM, SERVER_APP]);

describe('a field added to the person body', () => {
  it('reaches the console person form, which must now fill it (and nothing else breaks)', () => {
    const original = readFileSync(CONTRACT, 'utf8');
    const anchor = '  allowSimilar: z.boolean().optional(),\n});';
    expect(original).toContain(anchor);
    const edited = original.replace(
      anchor,
      `  householdSize: z.number().int().min(1).max(20, '同住人数不超过 20'),\n${anchor}`,
    );
    const errors = errorsByFile(edited);
    expect([...errors.keys()]).toEqual([PERSON_FORM]);
    expect(errors.get(PERSON_FORM)!.join('\n')).toMatch(/householdSize/);
  }, 180_000);
});
