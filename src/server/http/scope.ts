import type { Department, Role } from '../../shared/roles.js';

export interface Grant {
  role: Role;
  areaId: number;
  department: Department | null;
}

/** Who is asking, resolved once per request by the auth hook. */
export interface Actor {
  userId: number;
  username: string;
  displayName: string;
  roles: Role[];
  grants: Grant[];
  sessionId: string;
  viaCookie: boolean;
  csrfToken: string;
  scope: Scope;
  /** An administrator reset the password: only the own password change is allowed until it is changed. */
  mustChangePassword?: boolean;
}

/**
 * What an actor may see. Every repository list/get takes one and applies it in its SQL, so a route
 * that forgets a filter cannot leak records.
 */
export interface Scope {
  userId: number;
  /** True when an area role covers the root of the tree: no area filter needed. */
  all: boolean;
  /** Every area id (towns, villages) inside the actor's area-role subtrees. */
  areaIds: number[];
  /** Holds the visitor role: may see the persons assigned to them. */
  visitor: boolean;
  departments: Department[];
}

/** The system's own reach: jobs, visit handlers and benchmarks act for nobody in particular. */
export const SYSTEM_SCOPE: Readonly<Scope> = Object.freeze({
  userId: 0,
  all: true,
  areaIds: [],
  visitor: false,
  departments: [],
});

/**
 * SQL condition restricting `column` (an area id) to the scope. Pushes its parameter onto params.
 * A scope with no area reach yields a condition that matches nothing.
 */
export function areaCondition(scope: Scope, column: string, params: unknown[]): string {
  if (scope.all) return 'true';
  if (scope.areaIds.length === 0) return 'false';
  params.push(scope.areaIds);
  return `${column} = any($${params.length}::int[])`;
}

export function inScope(scope: Scope, areaId: number | null | undefined): boolean {
  return scope.all || (areaId != null && scope.areaIds.includes(areaId));
}

/**
 * SQL condition: the person row aliased `p` is visible to the scope. Area roles see persons in their
 * areas; visitors see the persons they are the responsible or a backup visitor of. This is the one
 * definition every module's person-related query uses.
 */
export function personCondition(scope: Scope, p: string, params: unknown[]): string {
  const parts: string[] = [];
  if (scope.all) return 'true';
  if (scope.areaIds.length > 0) {
    params.push(scope.areaIds);
    parts.push(
      `${p}.village_id = any($${params.length}::int[])`,
      `${p}.town_id = any($${params.length}::int[])`,
    );
  }
  if (scope.visitor) {
    params.push(scope.userId);
    const u = `$${params.length}`;
    // One IN over a union rather than `visitor_id = u or exists (backup)`: the OR form made
    // PostgreSQL filter every live person (a full scan per request at scale); this one is two index
    // lookups (persons_visitor_idx, person_assignments_visitor_idx).
    parts.push(
      `${p}.id in (select vx.id from persons vx where vx.visitor_id = ${u} union all select pa.person_id from person_assignments pa where pa.visitor_id = ${u} and pa.kind = 'backup' and pa.to_at is null)`,
    );
  }
  return parts.length ? `(${parts.join(' or ')})` : 'false';
}

/**
 * SQL condition: the person row aliased `p` lies in the area whose id is the placeholder `n` (`$3`) —
 * a district, a town or a village. The one definition of "persons in an area" for list filters; it
 * uses the persons' town and village indexes.
 */
export function personInArea(p: string, n: string): string {
  return `(${p}.village_id = ${n} or ${p}.town_id = ${n} or ${p}.town_id in (select id from areas where parent_id = ${n}))`;
}

/**
 * SQL condition: the area path `path` lies in the subtree whose root has the path `root` (both SQL
 * expressions). A byte-wise range rather than `like root || '%'`, so it uses areas_path_idx
 * (text_pattern_ops) even when the root is not a constant; '~' sorts after the digits and '/' of a path.
 */
export function pathWithin(path: string, root: string): string {
  return `(${path} ~>=~ ${root} and ${path} ~<~ (${root} || '~'))`;
}

/**
 * Scope for incidents and referrals: the person is visible (areas, own visitees), or the record is
 * addressed to one of the liaison's departments. `deptSql` is the SQL giving the record's
 * departments as text[].
 */
export function caseCondition(scope: Scope, deptSql: string, params: unknown[]): string {
  const parts = [personCondition(scope, 'p', params)];
  if (scope.departments.length > 0) {
    params.push(scope.departments);
    parts.push(`(${deptSql} && $${params.length}::text[])`);
  }
  return `(${parts.join(' or ')})`;
}
