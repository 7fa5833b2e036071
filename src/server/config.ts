import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** Replicas for reads that may lag (ledgers, exports, dashboards' live figures); PostgreSQL only. */
  databaseReadUrl?: string;
  demo: boolean;
  /** Fixed clock for demos and tests (TANFANG_NOW). */
  now?: string;
  secretKey?: string;
  sessionHours: number;
  idleMinutes: number;
  loginRateMax: number;
  /** Failed logins one address may make in 15 minutes, across all user names (TANFANG_LOGIN_ADDRESS_FAILURES). */
  loginAddressFailures: number;
  /** Files (photos, signatures) one user may upload with visits in a China day (TANFANG_VISIT_FILES_PER_DAY, TANFANG_VISIT_MB_PER_DAY). */
  visitFilesPerDay: { count: number; megabytes: number };
  /** Spreadsheet imports parsed at once by this process; more answer 503 "busy" (TANFANG_IMPORT_CONCURRENCY). */
  importConcurrency: number;
  logLevel: string;
  /** Seconds between SIGTERM and closing the listener, readiness answering 503 meanwhile. */
  drainSeconds: number;
}

/** Reads the environment once; every setting is documented in README.md. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const num = (name: string, def: number) => {
    const v = env[name];
    if (v === undefined || v === '') return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} 必须是非负数字，当前值为 "${v}"`);
    return n;
  };
  if (env.TANFANG_NOW && Number.isNaN(Date.parse(env.TANFANG_NOW))) {
    throw new ConfigError(
      `TANFANG_NOW 不是有效的 ISO 时间: "${env.TANFANG_NOW}"（例如 2026-03-15T09:00:00+08:00）`,
    );
  }
  if (env.DATABASE_READ_URL && !env.DATABASE_URL) {
    throw new ConfigError('DATABASE_READ_URL（只读副本）只能与 DATABASE_URL（PostgreSQL 主库）一起设置');
  }
  return {
    port: num('PORT', 3000),
    host: env.HOST || '0.0.0.0',
    dataDir: resolve(env.TANFANG_DATA_DIR || 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseReadUrl: env.DATABASE_READ_URL || undefined,
    demo: env.TANFANG_DEMO !== '0',
    now: env.TANFANG_NOW || undefined,
    secretKey: env.TANFANG_SECRET_KEY || undefined,
    sessionHours: num('TANFANG_SESSION_HOURS', 12),
    idleMinutes: num('TANFANG_IDLE_MINUTES', 120),
    loginRateMax: num('TANFANG_LOGIN_RATE_MAX', 10),
    loginAddressFailures: Math.max(1, num('TANFANG_LOGIN_ADDRESS_FAILURES', 30)),
    visitFilesPerDay: {
      count: num('TANFANG_VISIT_FILES_PER_DAY', 200),
      megabytes: num('TANFANG_VISIT_MB_PER_DAY', 200),
    },
    importConcurrency: Math.max(1, num('TANFANG_IMPORT_CONCURRENCY', 2)),
    logLevel: env.LOG_LEVEL || 'info',
    drainSeconds: num('TANFANG_DRAIN_SECONDS', 0),
  };
}

/** A start-up problem the operator can fix; main prints its message on one line and exits 1. */
export class ConfigError extends Error {}
