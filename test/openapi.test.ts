import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from './context.js';

/**
 * /api/openapi.json is what integrators generate their clients from: it is checked here with two
 * validators nobody on this project wrote (issue 24 found the recursive area tree pointing at a
 * component that was never defined, six `nullable` without a type and no operationId anywhere).
 */
type Operation = {
  operationId?: string;
  summary?: string;
  requestBody?: { content?: Record<string, { schema?: { example?: unknown }; example?: unknown }> };
  responses?: Record<string, unknown>;
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

describe('the OpenAPI document', () => {
  let text = '';
  let doc: { paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>> };
  const operations: { method: string; path: string; op: Operation }[] = [];

  beforeAll(async () => {
    const { app } = await testEnv();
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    text = res.body;
    doc = JSON.parse(text);
    for (const [path, item] of Object.entries(doc.paths))
      for (const method of METHODS) {
        const op = item[method];
        if (op) operations.push({ method, path, op });
      }
  });

  it('is valid for @apidevtools/swagger-parser (schema and every $ref resolved)', async () => {
    await expect(SwaggerParser.validate(JSON.parse(text))).resolves.toBeTruthy();
  });

  it('has no errors under Redocly lint, recommended rules', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: text, config, absoluteRef: 'openapi.json' });
    const errors = problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it('names every operation once (operationId) and says what it does (summary, a 2xx answer)', () => {
    expect(operations.length).toBeGreaterThan(100);
    const missing = operations
      .filter(({ op }) => !op.operationId || !op.summary)
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const no2xx = operations
      .filter(({ op }) => !Object.keys(op.responses ?? {}).some((s) => s.startsWith('2')))
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(no2xx).toEqual([]);
  });

  it('shows an example body for recording a visit, the main route integrators call', () => {
    const op = doc.paths['/api/visits']?.post;
    const json = op?.requestBody?.content?.['application/json'];
    expect(json?.schema?.example ?? json?.example).toBeTruthy();
  });
});
