import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as concerns from '../src/shared/api/concerns.js';
import type { EndpointDef } from '../src/shared/api/contract.js';
import * as incidents from '../src/shared/api/incidents.js';
import * as referrals from '../src/shared/api/referrals.js';
import { type TestEnv, testEnv } from './context.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

const isEndpoint = (v: unknown): v is EndpointDef =>
  !!v && typeof v === 'object' && 'operationId' in v && 'method' in v && 'path' in v;

describe('incidents, concerns and referrals are on the contract', () => {
  it('every operation under their paths comes from an endpoint: operationId, Chinese summary, a 2xx answer', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const declared = [incidents, concerns, referrals].flatMap((m) => Object.values(m).filter(isEndpoint));
    const ids = new Set(declared.map((e) => e.operationId));
    let seen = 0;
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      if (!/^\/api\/(incidents|concerns|referrals)(\/|$)/.test(path)) continue;
      for (const [method, op] of Object.entries<any>(ops)) {
        seen++;
        expect(ids.has(op.operationId), `${method} ${path}: ${op.operationId}`).toBe(true);
        expect(op.summary, `${method} ${path}`).toMatch(/[\u4e00-\u9fff]/);
        expect(
          Object.keys(op.responses ?? {}).some((s) => /^2\d\d$/.test(s)),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
    expect(seen).toBe(declared.length);
  });

  it('swagger-parser validates the document; Redocly lint (recommended) finds nothing in these operations', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: 'openapi.json',
      config,
    });
    const all = [incidents, concerns, referrals].flatMap((m) => Object.values(m).filter(isEndpoint));
    const pointers = all.map((e) => `#/paths/${e.path.replace(/:(\w+)/g, '{$1}').replaceAll('/', '~1')}/`);
    const mine = problems.filter((p) =>
      p.location.some((l) => pointers.some((x) => (l.pointer ?? '').startsWith(x))),
    );
    expect(mine.map((p) => `${p.ruleId}: ${p.location[0]?.pointer} ${p.message}`)).toEqual([]);
  });
});
