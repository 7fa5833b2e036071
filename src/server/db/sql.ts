declare const statement: unique symbol;

/**
 * SQL text a repository wrote. `Queryable.query` and `Db.exec` take only this, and only repositories
 * (`repo.ts`), the database layer, operations, the job runner, the demo seed, tests and benches may
 * import this file (dependency-cruiser, `sql-only-in-repositories`): a raw query in a service or a
 * route does not compile, and importing `sql` there fails `npm run check`.
 */
export type Sql = string & { readonly [statement]: true };

/** Marks text as a statement (build it with template literals, parameters as $n). */
export const sql = (text: string): Sql => text as Sql;

/**
 * Statements worth preparing: the few run on every request or every visit, whose plan does not
 * depend on their parameters (a lookup by key). Planning them cost more than running them (about
 * 1 ms of PostgreSQL's CPU each, measured at 1,000,000 persons); prepared, PostgreSQL plans them
 * once per connection (after 5 custom plans it keeps the generic one, its default `auto` mode).
 * Every other statement stays unnamed and is planned for its parameters each time, as before.
 */
export const preparedTexts = new Set<string>();
const MAX_PREPARED = 500;

/** Marks a statement as prepared on PostgreSQL (see `preparedTexts`); returns it as a statement. */
export function prepared(text: string): Sql {
  if (preparedTexts.size < MAX_PREPARED) preparedTexts.add(text);
  return text as Sql;
}
