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
  /** Where the bytes of photos, signatures, scans and reports live (modules/files; README "文件存储"). */
  files: FilesConfig;
}

/** An S3-compatible bucket (TANFANG_S3_*): AWS, MinIO, Aliyun OSS, Huawei OBS, Tencent COS. */
export interface S3Settings {
  bucket: string;
  /** Key prefix inside the bucket ('' or ending in '/'). */
  prefix: string;
  /** An S3-compatible endpoint URL; unset: AWS. */
  endpoint?: string;
  region: string;
  /** Path-style URLs (bucket in the path), as MinIO and most on-premises servers want. */
  forcePathStyle: boolean;
  /** Unset: the SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profile, role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * `db`: the bytes stay in their rows (bytea), the default; `folder` (TANFANG_FILES_DIR) and `s3`
 * (TANFANG_S3_BUCKET): content-addressed objects outside the database, rows keep hash, size and type.
 * `graceHours`: how old an object no row names must be before the sweeper removes it.
 */
export type FilesConfig = { graceHours: number } & (
  | { kind: 'db' }
  | { kind: 'folder'; dir: string }
  | { kind: 's3'; s3: S3Settings }
);

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
    files: filesConfig(env, num('TANFANG_FILES_GRACE_HOURS', 24)),
  };
}

function filesConfig(env: NodeJS.ProcessEnv, graceHours: number): FilesConfig {
  const dir = env.TANFANG_FILES_DIR;
  const bucket = env.TANFANG_S3_BUCKET;
  if (dir && bucket)
    throw new ConfigError(
      'TANFANG_FILES_DIR 与 TANFANG_S3_BUCKET 只能设置一个（文件存放在文件夹或对象存储中）',
    );
  if (dir) return { kind: 'folder', dir: resolve(dir), graceHours };
  if (!bucket) return { kind: 'db', graceHours };
  const endpoint = env.TANFANG_S3_ENDPOINT || undefined;
  if (endpoint && !/^https?:\/\//.test(endpoint)) {
    throw new ConfigError(`TANFANG_S3_ENDPOINT 须以 http:// 或 https:// 开头，当前值为 "${endpoint}"`);
  }
  let prefix = env.TANFANG_S3_PREFIX ?? 'tanfang/';
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  const id = env.TANFANG_S3_ACCESS_KEY_ID;
  const secret = env.TANFANG_S3_SECRET_ACCESS_KEY;
  if (!!id !== !!secret) {
    throw new ConfigError('TANFANG_S3_ACCESS_KEY_ID 与 TANFANG_S3_SECRET_ACCESS_KEY 须同时设置');
  }
  return {
    kind: 's3',
    graceHours,
    s3: {
      bucket,
      prefix,
      endpoint,
      region: env.TANFANG_S3_REGION || 'us-east-1',
      // On-premises servers (MinIO and most others) want path-style; AWS itself virtual-hosted.
      forcePathStyle: env.TANFANG_S3_PATH_STYLE ? env.TANFANG_S3_PATH_STYLE !== '0' : !!endpoint,
      credentials: id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined,
    },
  };
}

/** A start-up problem the operator can fix; main prints its message on one line and exits 1. */
export class ConfigError extends Error {}
