import { describe, expect, it } from 'vitest';
import * as authenticity from './authenticity.js';
import * as care from './care.js';
import type { EndpointDef } from './contract.js';
import * as money from './money.js';
import * as outreach from './outreach.js';
import * as persons from './persons.js';

/** The contract files of the person, care, money, outreach and authenticity modules: every endpoint they declare. */
const MODULES: Record<string, Record<string, unknown>> = { persons, care, money, outreach, authenticity };

const endpointsOf = (m: Record<string, unknown>) =>
  Object.entries(m).filter(
    (e): e is [string, EndpointDef] =>
      !!e[1] && typeof e[1] === 'object' && 'operationId' in e[1] && 'method' in e[1] && 'path' in e[1],
  );

describe('contract of persons, care and money', () => {
  for (const [name, m] of Object.entries(MODULES)) {
    const eps = endpointsOf(m);
    it(`${name}: every operation has an operationId, a Chinese summary and a 2xx answer`, () => {
      expect(eps.length).toBeGreaterThan(5);
      for (const [, e] of eps) {
        expect(e.operationId).toMatch(/^[a-z][A-Za-z]+$/);
        expect(e.summary, e.operationId).toMatch(/[\u4e00-\u9fff]/);
        expect(e.tags.length, e.operationId).toBeGreaterThan(0);
        // JSON, a file, or 204 (route.ts answers 204 when neither is declared).
        const statuses = Object.keys(e.responses ?? {});
        expect(
          statuses.every((s) => /^2\d\d$/.test(s)),
          e.operationId,
        ).toBe(true);
      }
    });
    it(`${name}: each example is a body the endpoint accepts; the main POST/PUT/PATCH routes have one`, () => {
      for (const [, e] of eps) {
        if (e.example !== undefined) {
          const r = e.body!.safeParse(e.example);
          expect(r.success, `${e.operationId}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
        } else if (e.body && e.method !== 'GET') {
          // Only small auxiliary writes may go without an example.
          expect(['putCareSetting'], e.operationId).toContain(e.operationId);
        }
      }
    });
  }

  it('the person form reads its limits and choices from the schema it sends', () => {
    const body = persons.PersonBody.shape;
    expect(body.name.maxLength).toBe(persons.PERSON_LIMITS.name);
    expect(body.note.unwrap().unwrap().maxLength).toBe(persons.PERSON_LIMITS.note);
    expect(persons.PERSON_CHOICES.flags).toEqual(body.flags.unwrap().element.options);
    // A too-long name is refused by the same schema the form's maxLength comes from.
    const tooLong = persons.createPerson.body.safeParse({
      ...(persons.createPerson.example as object),
      name: 'x'.repeat(persons.PERSON_LIMITS.name + 1),
    });
    expect(tooLong.success).toBe(false);
  });
});
