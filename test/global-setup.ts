import pg from 'pg';

/** On PostgreSQL, start each run from an empty schema; PGlite runs in memory and starts empty anyway. */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('drop schema if exists public cascade; create schema public;');
  await client.end();
}
