import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_LABELS, AUDIT_ENTITY_LABELS, NOTIFICATION_KIND_LABELS } from './labels.js';

const ROOT = join(import.meta.dirname, '..');
/** Every source file of the server and the command line (not tests). */
function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts'))
        out.push({ file: p, text: readFileSync(p, 'utf8') });
    }
  };
  walk(join(ROOT, 'server'));
  walk(join(ROOT, 'cli'));
  return out;
}
const all = (re: RegExp, text: string) => [...text.matchAll(re)].map((m) => m[1]);

describe('every code the server can emit has a Chinese label', () => {
  const files = sources();

  it('audit actions: literal ones, the refused logins and the built ones (views, ledgers)', () => {
    const codes = new Set<string>();
    for (const { text } of files) {
      // `action: 'a.b'`, and every code of a chosen one: `action: ok ? 'a.b' : 'a.c'`.
      for (const line of all(/\baction: ([^\n]+)/g, text))
        for (const c of all(/'([a-z_]+(?:\.[a-z_]+)*)'/g, line)) codes.add(c);
      for (const c of all(/\brefuse\('([a-z_.]+)'/g, text)) codes.add(c);
      for (const c of all(/\? '(login\.[a-z_]+)' : '(?:login\.[a-z_]+)'/g, text)) codes.add(c);
      for (const c of all(/: '(login\.[a-z_]+)'\)/g, text)) codes.add(c);
    }
    // Built from a kind: `ledger.${kind}` (ledger/service.ts LedgerKind), `${entity}.view` (audit recordView).
    for (const k of ['visits', 'concerns']) codes.add(`ledger.${k}`);
    expect(codes.size).toBeGreaterThan(60);
    const missing = [...codes].filter((c) => !AUDIT_ACTION_LABELS[c]);
    expect(missing, `audit actions without a label in shared/labels.ts`).toEqual([]);
  });

  it('audit record kinds', () => {
    const codes = new Set<string>();
    for (const { text } of files) for (const c of all(/\bentity: '([a-z_]+)'/g, text)) codes.add(c);
    const missing = [...codes].filter((c) => !AUDIT_ENTITY_LABELS[c]);
    expect(missing).toEqual([]);
  });

  it('notification kinds: every kind given to notify()', () => {
    const codes = new Set<string>();
    for (const { text } of files) {
      for (const call of text.split('await notify(').slice(1)) {
        // The kind of this call: the first `kind:` within its argument object.
        const head = call.slice(0, 800);
        const kindLine = head.match(/kind: ([^,\n]+)/)?.[1] ?? '';
        for (const c of all(/'([a-z_]+\.[a-z_]+)'/g, kindLine)) codes.add(c);
      }
    }
    expect(codes.size).toBeGreaterThan(8);
    const missing = [...codes].filter((c) => !NOTIFICATION_KIND_LABELS[c]);
    expect(missing, 'notification kinds without a label').toEqual([]);
  });
});
