/**
 * The module borders, checked by dependency-cruiser in `npm run check` (ARCHITECTURE.md, "Enforced
 * rules"). Each rule names what it keeps true; `npx depcruise src --config` shows every break.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles: a module that needs another is below it, never beside it.',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'module-public-entry',
      severity: 'error',
      comment:
        'A module reaches another only through its public entry (modules/<name>/index.ts): what a module offers the others is written down in one place.',
      from: { path: '^src/server/modules/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^src/server/modules/([^/]+)/',
        pathNot: ['^src/server/modules/$1/', '^src/server/modules/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'outside-uses-public-entry',
      severity: 'error',
      comment:
        'Code outside the modules (http, cli, ops, jobs, main) uses a module through its public entry too. The demo seed and the tests write through repositories directly, as the bench generator does.',
      from: { path: '^src/', pathNot: ['^src/server/modules/', '^src/server/seed/', '\\.test\\.ts$'] },
      to: { path: '^src/server/modules/[^/]+/', pathNot: '^src/server/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'sql-only-in-repositories',
      severity: 'error',
      comment:
        'Only a repository (repo.ts) runs SQL: the `sql` tag that makes a statement is importable by repositories, the database layer, operations, the job runner, the demo seed and tests only.',
      from: {
        pathNot: [
          '/repo\\.ts$',
          '^src/server/db/',
          '^src/server/ops/',
          '^src/server/jobs/runner\\.ts$',
          '^src/server/seed/',
          '\\.test\\.ts$',
          '^test/',
          '^bench/',
        ],
      },
      to: { path: '^src/server/db/sql\\.ts$' },
    },
    {
      name: 'routes-use-the-contract',
      severity: 'error',
      comment:
        "A route's schemas are the contract's (src/shared/api/<module>.ts, registered with http/route.ts): routes.ts may name zod types, never build a schema — the console and the phone would not see it.",
      from: { path: '^src/server/modules/[^/]+/routes\\.ts$' },
      to: {
        path: '(^|/)node_modules/(zod|fastify-type-provider-zod)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'home-stays-light',
      severity: 'error',
      comment:
        "The console's frame and home page (the first screen after login, held to 450 KB of script by test/e2e/delivery.test.ts) call their operations through web/console/shell-ops.ts: the contract's schemas and zod only as types there.",
      from: {
        path: [
          '^src/web/console/(layout\\.tsx|shell-ops\\.ts)$',
          '^src/web/lib/auth-ops\\.ts$',
          '^src/web/console/home/',
          '^src/web/console/oversight/dashboard\\.tsx$',
          '^src/web/console/outreach/figures\\.tsx$',
          '^src/web/console/incidents/department-work\\.tsx$',
          '^src/web/console/security/forced-password-change\\.tsx$',
          '^src/web/console/signals/figures-card\\.tsx$',
        ],
      },
      to: {
        path: ['(^|/)node_modules/zod/', '^src/shared/api/(?!contract\\.ts$|limits\\.ts$)'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'shared-is-isomorphic',
      severity: 'error',
      comment:
        'src/shared runs in the browser and on the phone: it imports nothing of the server or the web.',
      from: { path: '^src/shared/' },
      to: { path: '^src/(server|web|cli)/' },
    },
    {
      name: 'web-not-server',
      severity: 'error',
      comment:
        'The console and the phone reach the server only over HTTP, through the contract in src/shared/api.',
      from: { path: '^src/web/' },
      to: { path: '^src/(server|cli)/' },
    },
    {
      name: 'phone-stays-light',
      severity: 'error',
      comment:
        'The phone app loads no zod and no antd at run time: it imports the contract as types and its limits from zod-free files (shared/api/contract.ts, limits.ts).',
      from: { path: '^src/web/visitor/' },
      to: {
        path: [
          '^node_modules/(zod|antd|@ant-design|echarts)/',
          '^src/shared/api/(?!contract\\.ts$|limits\\.ts$)',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    // node_modules is not followed, but stays visible as a dependency: excluding it (as this file
    // once did) silently disabled every rule about packages (phone-stays-light's zod/antd clause).
    exclude: { path: '^dist/' },
  },
};
