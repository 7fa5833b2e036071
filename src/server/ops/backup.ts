import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import type { Config } from '../config.js';
import type { Db, Queryable } from '../db/db.js';
import { sql } from '../db/sql.js';
import { fileStoreOf, sha256Of, storedFileNames } from '../modules/files/index.js';

/** Tables a backup leaves out: live logins must not come back from a file. */
export const NOT_BACKED_UP = ['schema_migrations', 'sessions', 'login_challenges'];

export interface TableInfo {
  name: string;
  /** Columns that can be written (generated columns are recomputed by the database). */
  columns: string[];
  /** Columns filled from an identity sequence: restored with OVERRIDING SYSTEM VALUE, then reset. */
  identity: string[];
  orderBy: string[];
}

export interface TableSum {
  name: string;
  rows: number;
  sha256: string;
}

export interface BackupManifest {
  format: 'tanfang-backup/1';
  createdAt: string;
  engine: string;
  migrations: string[];
  tables: TableSum[];
  /**
   * Files in the store (TANFANG_FILES_DIR / TANFANG_S3_BUCKET) that rows name: `included` — their
   * bytes are lines of this backup; `external` — left to the store's own copy (replication,
   * versioning, a file sync), and a restore checks the target store holds each of them. Absent in
   * backups of the embedded default, whose files are in their rows.
   */
  files?: { mode: 'included' | 'external'; count: number; bytes: number };
}

/** Where the backup reads (and the restore writes) stored files: the configuration of the store. */
export interface BackupFiles {
  /** The configuration whose store holds (or will hold) the files. */
  files: { config: Pick<Config, 'files'> };
  /** `external`: leave the bytes to the store's own replication (a restore checks they are there). */
  external?: boolean;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The tables of the current schema in foreign-key order (parents before children). */
export async function listTables(q: Queryable): Promise<TableInfo[]> {
  const cols = await q.query<{
    table_name: string;
    column_name: string;
    is_identity: string;
    is_generated: string;
  }>(
    sql(`select c.table_name, c.column_name, c.is_identity, c.is_generated
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      order by c.table_name, c.ordinal_position`),
  );
  const deps = await q.query<{ child: string; parent: string }>(
    sql(`select distinct cl.relname as child, pl.relname as parent
       from pg_constraint k
       join pg_class cl on cl.oid = k.conrelid
       join pg_class pl on pl.oid = k.confrelid
       join pg_namespace n on n.oid = cl.relnamespace
      where k.contype = 'f' and n.nspname = current_schema()`),
  );
  const pks = await q.query<{ table_name: string; column_name: string }>(
    sql(`select cl.relname as table_name, a.attname as column_name
       from pg_index i
       join pg_class cl on cl.oid = i.indrelid
       join pg_namespace n on n.oid = cl.relnamespace
       join lateral unnest(i.indkey) with ordinality as k(attnum, ord) on true
       join pg_attribute a on a.attrelid = cl.oid and a.attnum = k.attnum
      where i.indisprimary and n.nspname = current_schema()
      order by cl.relname, k.ord`),
  );
  const byTable = new Map<string, TableInfo>();
  for (const c of cols) {
    if (NOT_BACKED_UP.includes(c.table_name)) continue;
    let t = byTable.get(c.table_name);
    if (!t) {
      t = { name: c.table_name, columns: [], identity: [], orderBy: [] };
      byTable.set(c.table_name, t);
    }
    if (c.is_generated === 'ALWAYS') continue;
    t.columns.push(c.column_name);
    if (c.is_identity === 'YES') t.identity.push(c.column_name);
  }
  for (const pk of pks) byTable.get(pk.table_name)?.orderBy.push(pk.column_name);
  // Without a primary key, whole-row order makes the checksum deterministic.
  for (const t of byTable.values()) if (t.orderBy.length === 0) t.orderBy = [...t.columns];
  // Topological order; a table referring to itself is fine (rows go in primary-key order).
  const ordered: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name) === 'done' || !byTable.has(name)) return;
    if (state.get(name) === 'visiting') return; // a cycle: keep going, restore reports any violation
    state.set(name, 'visiting');
    for (const d of deps) if (d.child === name && d.parent !== name) visit(d.parent);
    state.set(name, 'done');
    ordered.push(byTable.get(name)!);
  };
  for (const name of [...byTable.keys()].sort()) visit(name);
  return ordered;
}

/**
 * Streams the rows of one table as canonical JSON text (row_to_json in UTC, primary-key order):
 * the same text feeds the file and the checksum, on both engines.
 */
async function* tableRows(q: Queryable, t: TableInfo, batch = 2000): AsyncGenerator<string[]> {
  const cur = `c_${t.name}`;
  const cols = t.columns.map(ident).join(', ');
  await q.query(
    sql(`declare ${ident(cur)} no scroll cursor for
       select row_to_json(x)::text as j from (select ${cols} from ${ident(t.name)} order by ${t.orderBy.map(ident).join(', ')}) x`),
  );
  try {
    for (;;) {
      const rows = await q.query<{ j: string }>(sql(`fetch ${batch} from ${ident(cur)}`));
      if (rows.length === 0) break;
      yield rows.map((r) => r.j);
    }
  } finally {
    await q.query(sql(`close ${ident(cur)}`));
  }
}

/** Row count and SHA-256 of every table, computed from the database as it is now. */
export async function checksumTables(db: Db): Promise<TableSum[]> {
  return db.tx(async (q) => {
    await q.query(sql('set transaction isolation level repeatable read'));
    await q.query(sql(`set local timezone to 'UTC'`));
    const out: TableSum[] = [];
    for (const t of await listTables(q)) {
      const h = createHash('sha256');
      let rows = 0;
      for await (const chunk of tableRows(q, t)) {
        for (const j of chunk) h.update(`${j}\n`);
        rows += chunk.length;
      }
      out.push({ name: t.name, rows, sha256: h.digest('hex') });
    }
    return out;
  });
}

/**
 * Writes a logical backup: gzip of JSON lines — a header, then per table its columns and rows, then
 * the manifest of row counts and checksums. One repeatable-read transaction: a consistent snapshot
 * while the server keeps serving (on PostgreSQL).
 */
export async function backup(
  db: Db,
  file: string,
  onTable?: (s: TableSum) => void,
  o: Partial<BackupFiles> = {},
): Promise<BackupManifest> {
  const gz = createGzip();
  const out = createWriteStream(file, { mode: 0o600 });
  gz.pipe(out);
  const write = async (line: unknown) => {
    if (!gz.write(`${JSON.stringify(line)}\n`)) await once(gz, 'drain');
  };
  const manifest = await db.tx(async (q) => {
    await q.query(sql('set transaction isolation level repeatable read'));
    await q.query(sql(`set local timezone to 'UTC'`));
    const migrations = (
      await q.query<{ name: string }>(sql('select name from schema_migrations order by name'))
    ).map((r) => r.name);
    const m: BackupManifest = {
      format: 'tanfang-backup/1',
      createdAt: new Date().toISOString(),
      engine: db.kind,
      migrations,
      tables: [],
    };
    await write({ type: 'header', format: m.format, createdAt: m.createdAt, engine: m.engine, migrations });
    for (const t of await listTables(q)) {
      await write({ type: 'table', name: t.name, columns: t.columns, identity: t.identity });
      const h = createHash('sha256');
      let rows = 0;
      for await (const chunk of tableRows(q, t)) {
        for (const j of chunk) {
          h.update(`${j}\n`);
          if (!gz.write(`{"r":${j}}\n`)) await once(gz, 'drain');
        }
        rows += chunk.length;
      }
      const sum = { name: t.name, rows, sha256: h.digest('hex') };
      m.tables.push(sum);
      onTable?.(sum);
    }
    // The files the snapshot's rows name (same transaction): their bytes as lines, or a count.
    const store = o.files ? fileStoreOf(o.files) : null;
    let after = '';
    let count = 0;
    let bytes = 0;
    for (;;) {
      const names = await storedFileNames(q, after, 500);
      if (!names.length) break;
      for (const sha of names) {
        count++;
        if (o.external) continue;
        if (!store) {
          throw new Error(
            '数据库中有保存在文件存储中的文件，但未配置 TANFANG_FILES_DIR 或 TANFANG_S3_BUCKET：无法备份这些文件',
          );
        }
        const b = await store.get(sha);
        if (!b) throw new Error(`文件存储 ${store.where} 中缺少文件 ${sha.slice(0, 12)}…，备份中止`);
        bytes += b.length;
        if (!gz.write(`{"f":"${sha}","b":"${b.toString('base64')}"}\n`)) await once(gz, 'drain');
      }
      after = names[names.length - 1];
    }
    if (count) m.files = { mode: o.external ? 'external' : 'included', count, bytes };
    await write({ type: 'manifest', ...m });
    return m;
  });
  gz.end();
  await once(out, 'close');
  return manifest;
}

export class RestoreError extends Error {}

/**
 * Loads a backup into a database that has been migrated and holds no data yet (no users, no audit
 * rows), in one transaction: rows go in with their ids (OVERRIDING SYSTEM VALUE), identity sequences
 * are moved past them, and every table's count and checksum must equal the manifest, or nothing stays.
 */
export async function restore(
  db: Db,
  file: string,
  onTable?: (s: TableSum) => void,
  o: Partial<Pick<BackupFiles, 'files'>> = {},
): Promise<BackupManifest> {
  const store = o.files ? fileStoreOf(o.files) : null;
  let filesRestored = 0;
  return db.tx(async (q) => {
    await q.query(sql(`set local timezone to 'UTC'`));
    const tables = new Map((await listTables(q)).map((t) => [t.name, t]));
    const [{ n: users }] = await q.query<{ n: number }>(sql('select count(*)::int as n from users'));
    const [{ n: audits }] = await q.query<{ n: number }>(sql('select count(*)::int as n from audit_log'));
    if (users > 0 || audits > 0) {
      throw new RestoreError('目标数据库不是空的（已有用户或审计记录）：请恢复到新建并已迁移的数据库');
    }
    let current: { info: TableInfo; columns: string[]; buf: string[] } | null = null;
    const disabled: string[] = [];
    let manifest: BackupManifest | null = null;
    let header = false;
    const flush = async () => {
      if (!current || current.buf.length === 0) return;
      const cols = current.columns.map(ident).join(', ');
      const overriding = current.info.identity.length ? 'overriding system value' : '';
      await q.query(
        sql(`insert into ${ident(current.info.name)} (${cols}) ${overriding}
         select ${cols} from json_populate_recordset(null::${ident(current.info.name)}, $1::json)`),
        [`[${current.buf.join(',')}]`],
      );
      current.buf = [];
    };
    // Opened right before the loop: readline drops lines emitted before iteration starts.
    const input = createReadStream(file).pipe(createGunzip());
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    // A damaged gzip ends the lines early; the missing manifest then refuses the restore.
    let damaged = '';
    input.on('error', (e) => {
      damaged = `（${e.message}）`;
      lines.close();
    });
    for await (const line of lines) {
      if (!line) continue;
      if (line.startsWith('{"f":')) {
        // A stored file: into the target's store before the rows naming it commit (modules/files).
        await flush();
        const f = JSON.parse(line) as { f: string; b: string };
        if (!store) {
          throw new RestoreError(
            '备份中包含文件存储中的文件：请先设置 TANFANG_FILES_DIR 或 TANFANG_S3_BUCKET 再恢复',
          );
        }
        const bytes = Buffer.from(f.b, 'base64');
        if (sha256Of(bytes) !== f.f)
          throw new RestoreError(`备份中的文件 ${f.f.slice(0, 12)}… 已损坏（校验和不符）`);
        await store.put(bytes);
        filesRestored++;
        continue;
      }
      if (line.startsWith('{"r":')) {
        if (!current) throw new RestoreError('备份文件格式错误：数据行出现在表头之前');
        current.buf.push(line.slice(5, -1));
        if (current.buf.length >= 1000) await flush();
        continue;
      }
      const rec = JSON.parse(line);
      if (rec.type === 'header') {
        if (rec.format !== 'tanfang-backup/1') throw new RestoreError(`不支持的备份格式 ${rec.format}`);
        const have = (
          await q.query<{ name: string }>(sql('select name from schema_migrations order by name'))
        ).map((r) => r.name);
        const missing = (rec.migrations as string[]).filter((m) => !have.includes(m));
        if (missing.length) {
          throw new RestoreError(
            `目标数据库缺少迁移 ${missing.join('、')}：请先升级程序并运行 tanfang db migrate`,
          );
        }
        header = true;
      } else if (rec.type === 'table') {
        await flush();
        const info = tables.get(rec.name);
        if (!info) throw new RestoreError(`目标数据库没有表 ${rec.name}`);
        const columns = (rec.columns as string[]).filter((c) => info.columns.includes(c));
        // Tables that migrations seed (defaults) are replaced by the backup's rows; triggers that
        // derive data on insert stay off (the derived rows are in the backup themselves).
        await q.query(sql(`delete from ${ident(info.name)}`));
        await q.query(sql(`alter table ${ident(info.name)} disable trigger user`));
        disabled.push(info.name);
        current = { info, columns, buf: [] };
      } else if (rec.type === 'manifest') {
        await flush();
        manifest = rec as BackupManifest;
      }
    }
    if (!header || !manifest) {
      throw new RestoreError(`备份文件不完整（缺少文件头或清单）：文件可能被截断或损坏${damaged}`);
    }
    for (const name of disabled) await q.query(sql(`alter table ${ident(name)} enable trigger user`));
    for (const t of tables.values()) {
      for (const col of t.identity) {
        await q.query(
          sql(
            `select setval(pg_get_serial_sequence($1, $2), coalesce((select max(${ident(col)}) from ${ident(t.name)}), 0) + 1, false)`,
          ),
          [ident(t.name), col],
        );
      }
    }
    // Prove it: recompute what is now in the database and compare with the manifest.
    for (const want of manifest.tables) {
      const info = tables.get(want.name)!;
      const h = createHash('sha256');
      let rows = 0;
      for await (const chunk of tableRows(q, { ...info, columns: info.columns })) {
        for (const j of chunk) h.update(`${j}\n`);
        rows += chunk.length;
      }
      const got = { name: want.name, rows, sha256: h.digest('hex') };
      if (got.rows !== want.rows || got.sha256 !== want.sha256) {
        throw new RestoreError(
          `表 ${want.name} 恢复后不一致：行数 ${got.rows}/${want.rows}，校验和 ${got.sha256.slice(0, 12)}/${want.sha256.slice(0, 12)}`,
        );
      }
      onTable?.(got);
    }
    // Every stored file the restored rows name must be in the target's store: restored from this
    // file (included), or there already (external: the store's own copy).
    const want = manifest.files;
    if (want?.mode === 'included' && filesRestored !== want.count) {
      throw new RestoreError(`备份中的文件数不符：恢复 ${filesRestored} 个，清单为 ${want.count} 个`);
    }
    let after = '';
    let missing = 0;
    let first = '';
    for (;;) {
      const names = await storedFileNames(q, after, 1000);
      if (!names.length) break;
      for (const sha of names) {
        if (store && (await store.has(sha))) continue;
        missing++;
        first ||= sha;
      }
      after = names[names.length - 1];
    }
    if (missing) {
      throw new RestoreError(
        store
          ? `文件存储 ${store.where} 中缺少 ${missing} 个记录所指的文件（如 ${first.slice(0, 12)}…）：请先同步文件存储再恢复`
          : `恢复的记录中有 ${missing} 个文件保存在文件存储中：请先设置 TANFANG_FILES_DIR 或 TANFANG_S3_BUCKET 再恢复`,
      );
    }
    return manifest;
  });
}
