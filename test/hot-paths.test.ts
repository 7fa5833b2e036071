/**
 * The visit submission path writes no property after an object spread.
 *
 * On this project's Node (20, V8 11.3) `{ ...a, b: 1 }` is fast only while nothing follows the spread:
 * every property written after it costs about a microsecond (measured: a 9-property object spread
 * and 7 more properties, 11 µs; `Object.assign({}, a, { … })`, 0.2 µs; bench/RESULTS.md). On the path
 * every visit takes — the request's authentication, the visit's read, its signals, its insert and its
 * answer — such literals added ~30 µs a visit. This test reads the functions of that path from the
 * source (the TypeScript parser) and refuses the pattern there; elsewhere it is harmless and allowed.
 * A function renamed or moved fails the test too: the list below must follow the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Per file, the functions (or `const` initialisers) of the visit submission path. */
const HOT: Record<string, string[]> = {
  'src/server/http/auth.ts': ['registerAuth'],
  'src/server/modules/auth/service.ts': ['authenticate'],
  'src/server/modules/visits/service.ts': ['recordVisit', 'authenticityProbe'],
  'src/server/modules/visits/repo.ts': ['visitContext', 'insertVisit', 'taskFromJson'],
  'src/server/modules/visits/routes.ts': ['presentVisitBrief', 'presentAuthenticity', 'presentVisit'],
  'src/server/modules/authenticity/inputs.ts': ['authenticityInputsSql', 'inputsFrom'],
  'src/server/modules/authenticity/service.ts': ['authenticityAssessor'],
  'src/server/modules/audit/repo.ts': ['auditInStatementSql'],
  'src/shared/authenticity.ts': [
    'assessVisit',
    'placeRule',
    'photoRules',
    'travelRule',
    'timeRules',
    'copyRules',
    'answersCanon',
  ],
};

/** Object literals in `node` with a property after a spread: "line: text". */
function spreadThenProperty(src: ts.SourceFile, node: ts.Node): string[] {
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isObjectLiteralExpression(n)) {
      const first = n.properties.findIndex((p) => ts.isSpreadAssignment(p));
      if (first >= 0 && n.properties.slice(first + 1).some((p) => !ts.isSpreadAssignment(p))) {
        const line = src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1;
        found.push(`${line}: ${n.getText(src).replace(/\s+/g, ' ').slice(0, 80)}`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** The declarations named `name` at the top level of `src` (function or const). */
function declarations(src: ts.SourceFile, name: string): ts.Node[] {
  const out: ts.Node[] = [];
  for (const s of src.statements) {
    if (ts.isFunctionDeclaration(s) && s.name?.text === name) out.push(s);
    if (ts.isVariableStatement(s))
      for (const d of s.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.name.text === name) out.push(d);
  }
  return out;
}

const parse = (file: string, text = readFileSync(join(ROOT, file), 'utf8')) =>
  ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);

describe('the visit submission path', () => {
  for (const [file, names] of Object.entries(HOT)) {
    it(`${file}: ${names.join(', ')} write no property after a spread`, () => {
      const src = parse(file);
      for (const name of names) {
        const decls = declarations(src, name);
        expect(decls, `${file}: ${name} not found (renamed? update HOT)`).not.toHaveLength(0);
        expect(
          decls.flatMap((d) => spreadThenProperty(src, d)),
          `${file}: ${name}`,
        ).toEqual([]);
      }
    });
  }

  it('the check finds the pattern it refuses, and lets the fast forms pass', () => {
    const src = parse(
      'planted.ts',
      `function hot(a: object) {
         const slow = { ...a, b: 1 };
         const fine = { b: 1, ...a };
         const alsoFine = Object.assign({}, a, { b: 1 });
         const nested = { x: { ...a, c: 2 } };
         return [slow, fine, alsoFine, nested];
       }`,
    );
    const found = spreadThenProperty(src, declarations(src, 'hot')[0]);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^2: \{ \.\.\.a, b: 1 \}/);
    expect(found[1]).toMatch(/^5: \{ \.\.\.a, c: 2 \}/);
  });
});
