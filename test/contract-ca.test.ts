import { beforeAll, describe, expect, it } from 'vitest';
import * as audit from '../src/shared/api/audit.js';
import * as auth from '../src/shared/api/auth.js';
import type { EndpointDef } from '../src/shared/api/contract.js';
import * as health from '../src/shared/api/health.js';
import * as jobs from '../src/shared/api/jobs.js';
import * as ledger from '../src/shared/api/ledger.js';
import * as notifications from '../src/shared/api/notifications.js';
import * as security from '../src/shared/api/security.js';
import * as users from '../src/shared/api/users.js';
import { type TestEnv, testEnv } from './context.js';

/** The contract files of auth, users, security, audit, jobs, health, ledger and notifications. */
const MODULES: Record<string, Record<string, unknown>> = {
  auth,
  users,
  security,
  audit,
  jobs,
  health,
  ledger,
  notifications,
};

const endpointsOf = (m: Record<string, unknown>) =>
  Object.entries(m).filter(
    (e): e is [string, EndpointDef] =>
      !!e[1] && typeof e[1] === 'object' && 'operationId' in e[1] && 'method' in e[1] && 'path' in e[1],
  );
const ALL = Object.values(MODULES).flatMap((m) => endpointsOf(m).map(([, e]) => e));

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('contract of auth, users, security, audit, jobs, health, ledger and notifications', () => {
  for (const [name, m] of Object.entries(MODULES)) {
    it(`${name}: every operation has an operationId, a Chinese summary, tags and a 2xx answer`, () => {
      const eps = endpointsOf(m);
      expect(eps.length).toBeGreaterThan(0);
      for (const [, e] of eps) {
        expect(e.operationId).toMatch(/^[a-z][A-Za-z]+$/);
        expect(e.summary, e.operationId).toMatch(/[\u4e00-\u9fff]/);
        expect(e.tags.length, e.operationId).toBeGreaterThan(0);
        expect(
          Object.keys(e.responses ?? {}).every((s) => /^2\d\d$/.test(s)),
          e.operationId,
        ).toBe(true);
      }
    });
    it(`${name}: every write with a body has an example the endpoint accepts`, () => {
      for (const [, e] of endpointsOf(m)) {
        if (!e.body || e.method === 'GET') continue;
        expect(e.example, e.operationId).toBeDefined();
        const r = e.body.safeParse(e.example);
        expect(r.success, `${e.operationId}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
      }
    });
  }

  it('operationIds are unique, and each is served at its method and path in the live document', async () => {
    const ids = ALL.map((e) => e.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const e of ALL) {
      const path = e.path.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[e.method.toLowerCase()];
      expect(op?.operationId, `${e.method} ${path}`).toBe(e.operationId);
      expect(op.summary).toBe(e.summary);
      if (e.public) expect(op.security, e.operationId).toEqual([]);
      if (e.permission) expect(op.description, e.operationId).toContain(e.permission);
    }
    // The ledgers are files, documented as the workbook they are.
    const visits = doc.paths['/api/ledger/visits.xlsx'].get.responses['200'];
    expect(Object.keys(visits.content)).toEqual([ledger.visitsLedger.file.mime]);
  });

  it('the login limits are those of the contract the console login page reads (zod-free)', async () => {
    const { LOGIN_LIMITS } = await import('../src/shared/api/limits.js');
    expect(auth.LoginBody.shape.username.maxLength).toBe(LOGIN_LIMITS.usernameMax);
    expect(auth.LoginBody.shape.password.maxLength).toBe(LOGIN_LIMITS.passwordMax);
    expect(auth.TotpCode.safeParse('12345').success).toBe(false);
    expect(LOGIN_LIMITS.totpCode.test('123456')).toBe(true);
  });
});
