import pg from 'pg';

/**
 * The logins of a deployment (docs/decisions/016):
 * - `fe_owner` runs the migrations and owns every table, function and schema the app uses. It is no
 *   superuser; it has BYPASSRLS so a data migration sees every org's rows.
 * - `fe_web` is what the API, the worker and the gateway connect as: NOSUPERUSER, NOBYPASSRLS,
 *   NOINHERIT, a member of `fe_app` only. Each transaction does SET LOCAL ROLE fe_app; undoing that
 *   (RESET ROLE) leaves fe_web, which may read and write nothing, and it cannot SET ROLE to the owner.
 * Against DATABASE_URL the operator creates the equivalent roles (see backend/src/db/README.md);
 * embedded PostgreSQL gets them from ensureEmbeddedRoles at every start.
 */
export const OWNER_ROLE = 'fe_owner';
export const APP_LOGIN_ROLE = 'fe_web';

export interface RoleUrls {
  /** Migrations (the owner). */
  ownerUrl: string;
  /** API, worker, gateway, event listener. */
  appUrl: string;
}

/**
 * Cluster-wide: create (or update) the owner and the app login with these passwords. Run as a
 * superuser. Idempotent, and tolerant of a concurrent caller on the same cluster.
 */
export async function ensureClusterRoles(superuserUrl: string, passwords: { owner: string; app: string }): Promise<void> {
  await withClient(superuserUrl, async (c) => {
    // Serialise callers on this cluster (parallel test files provision the same roles).
    await c.query('SELECT pg_advisory_lock(4611686018427387011)');
    try {
      for (const [role, attrs] of [
        ['fe_app', 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'],
        ['fe_identity_resolver', 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'],
        [OWNER_ROLE, 'LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB CREATEROLE INHERIT'],
        [APP_LOGIN_ROLE, 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION'],
      ] as const) {
        const { rowCount } = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
        if (!rowCount) await c.query(`CREATE ROLE ${role} ${attrs}`);
        else await c.query(`ALTER ROLE ${role} ${attrs}`);
      }
      await c.query(`ALTER ROLE ${OWNER_ROLE} PASSWORD ${pg.escapeLiteral(passwords.owner)}`);
      await c.query(`ALTER ROLE ${APP_LOGIN_ROLE} PASSWORD ${pg.escapeLiteral(passwords.app)}`);
      // The owner grants fe_app and hands functions to fe_identity_resolver in migrations.
      await c.query(`GRANT fe_app, fe_identity_resolver TO ${OWNER_ROLE} WITH ADMIN OPTION`);
      // SET only: fe_web holds no privilege of fe_app unless the transaction switches to it.
      await c.query(`GRANT fe_app TO ${APP_LOGIN_ROLE} WITH INHERIT FALSE, SET TRUE`);
      // Nothing else: in particular no path to fe_owner or fe_identity_resolver.
      const { rows } = await c.query<{ role: string }>(
        `SELECT r.rolname AS role FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
          WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) AND r.rolname <> 'fe_app'`,
        [APP_LOGIN_ROLE],
      );
      for (const r of rows) await c.query(`REVOKE ${pg.escapeIdentifier(r.role)} FROM ${APP_LOGIN_ROLE}`);
    } finally {
      await c.query('SELECT pg_advisory_unlock(4611686018427387011)');
    }
  });
}

/**
 * Per database: make fe_owner own it and everything the app created in it (a cluster set up before
 * these roles had its objects owned by the superuser that migrated them). Run as a superuser
 * connected to that database.
 */
export async function handDatabaseToOwner(superuserDatabaseUrl: string): Promise<void> {
  await withClient(superuserDatabaseUrl, async (c) => {
    await c.query(`ALTER DATABASE ${pg.escapeIdentifier(await currentDatabase(c))} OWNER TO ${OWNER_ROLE}`);
    await c.query(`DO $$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT n.nspname FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner
                  WHERE o.rolsuper AND n.nspname IN ('fe_limits') LOOP
          EXECUTE format('ALTER SCHEMA %I OWNER TO ${OWNER_ROLE}', r.nspname);
        END LOOP;
        FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles o ON o.oid = c.relowner
                  WHERE o.rolsuper AND n.nspname IN ('public', 'fe_limits') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                    -- A sequence owned by a column follows its table.
                    AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))) LOOP
          EXECUTE format(CASE r.relkind WHEN 'v' THEN 'ALTER VIEW %s OWNER TO ${OWNER_ROLE}' WHEN 'm' THEN 'ALTER MATERIALIZED VIEW %s OWNER TO ${OWNER_ROLE}'
                                        WHEN 'S' THEN 'ALTER SEQUENCE %s OWNER TO ${OWNER_ROLE}' ELSE 'ALTER TABLE %s OWNER TO ${OWNER_ROLE}' END, r.name);
        END LOOP;
        FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p
                   JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles o ON o.oid = p.proowner
                  WHERE o.rolsuper AND n.nspname IN ('public', 'fe_limits') LOOP
          EXECUTE format('ALTER ROUTINE %s OWNER TO ${OWNER_ROLE}', r.name);
        END LOOP;
      END $$`);
  });
}

/** The same server and database as `superuserUrl`, as the owner and as the app login. */
export function roleUrls(superuserUrl: string, passwords: { owner: string; app: string }): RoleUrls {
  const as = (user: string, password: string) => {
    const u = new URL(superuserUrl);
    u.username = user;
    u.password = password;
    return u.toString();
  };
  return { ownerUrl: as(OWNER_ROLE, passwords.owner), appUrl: as(APP_LOGIN_ROLE, passwords.app) };
}

/** What the pool's login may do beyond RLS; a superuser or BYPASSRLS login makes RLS advisory. */
export async function loginPrivileges(url: string): Promise<{ user: string; superuser: boolean; bypassRls: boolean }> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ user: string; superuser: boolean; bypass: boolean }>(
      'SELECT rolname AS user, rolsuper AS superuser, rolbypassrls AS bypass FROM pg_roles WHERE rolname = session_user',
    );
    return { user: rows[0]!.user, superuser: rows[0]!.superuser, bypassRls: rows[0]!.bypass };
  });
}

async function currentDatabase(c: pg.Client): Promise<string> {
  const { rows } = await c.query<{ db: string }>('SELECT current_database() AS db');
  return rows[0]!.db;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'feedback-roles' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
