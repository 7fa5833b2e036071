import { beforeAll, describe, expect, it } from 'vitest';
import * as care from '../src/shared/api/care.js';
import type { EndpointDef } from '../src/shared/api/contract.js';
import * as money from '../src/shared/api/money.js';
import * as persons from '../src/shared/api/persons.js';
import { type TestEnv, testEnv } from './context.js';

let env: TestEnv;
let doc: any;
beforeAll(async () => {
  env = await testEnv();
  doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
});

const endpoints = (m: Record<string, unknown>) =>
  Object.values(m).filter(
    (e): e is EndpointDef => !!e && typeof e === 'object' && 'operationId' in e && 'path' in e,
  );
const ALL = [...endpoints(persons), ...endpoints(care), ...endpoints(money)];
const openapiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}');

describe('the persons, care and money operations in the live OpenAPI document', () => {
  it('each contract endpoint is an operation with its operationId, summary and a 2xx answer', () => {
    expect(ALL.length).toBe(44);
    for (const e of ALL) {
      const op = doc.paths[openapiPath(e.path)]?.[e.method.toLowerCase()];
      expect(op, `${e.method} ${e.path}`).toBeDefined();
      expect(op.operationId).toBe(e.operationId);
      expect(op.summary).toBe(e.summary);
      expect(
        Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)),
        e.operationId,
      ).toBe(true);
    }
    const ids = ALL.map((e) => e.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents uploads as multipart, files as binary, the public notice without sign-in', () => {
    const importRoster = doc.paths['/api/persons/import'].post;
    expect(Object.keys(importRoster.requestBody.content)).toEqual(['multipart/form-data']);
    const exportRoster = doc.paths['/api/persons/export.xlsx'].get;
    expect(Object.keys(exportRoster.responses['200'].content)[0]).toContain('spreadsheetml');
    const pdf = doc.paths['/api/care-agreements/{id}/agreement.pdf'].get;
    expect(pdf.responses['200'].content['application/pdf'].schema.format).toBe('binary');
    expect(doc.paths['/api/public/pledges'].get.security).toEqual([]);
    expect(doc.paths['/api/persons'].post.requestBody.content['application/json'].schema.example).toEqual(
      persons.createPerson.example,
    );
    expect(doc.paths['/api/payments'].put.responses['204']).toBeDefined();
  });
  // swagger-parser and Redocly lint on the whole document: test/openapi.test.ts.
});
