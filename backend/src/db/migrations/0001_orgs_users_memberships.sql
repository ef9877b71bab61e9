-- Tenancy and identity. Every table carries org_id (orgs: its own id) and row-level security keyed
-- on the transaction setting app.org_id. The application never queries as the connecting user:
-- each transaction does SET LOCAL ROLE fe_app, a role that is neither superuser nor BYPASSRLS, so
-- the policies hold even when the pool connects as a superuser.

DO $$
BEGIN
  -- Roles are cluster-wide while migrations run per database: tolerate a concurrent creator.
  BEGIN
    CREATE ROLE fe_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    CREATE ROLE fe_identity_resolver NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  -- A managed server's admin is not a superuser: it needs explicit membership to SET ROLE and to
  -- hand function ownership to the resolver role.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT fe_app, fe_identity_resolver TO %I', current_user);
  END IF;
END
$$;

-- The org setting, or NULL when unset. current_setting(..., true) returns '' (not NULL) once the
-- setting has existed in the session, and ''::uuid would raise instead of matching nothing.
CREATE FUNCTION app_current_org() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$;

CREATE TABLE orgs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  email text NOT NULL CHECK (length(email) > 0),
  display_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  UNIQUE (org_id, email)
);

CREATE TABLE memberships (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('clinician', 'supervisor', 'org_admin', 'auditor')),
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE,
  UNIQUE (org_id, user_id, role)
);

-- Bearer tokens (the embedded dev identity; later API tokens). Only the sha256 is stored.
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL,
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  label text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);

ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON orgs USING (id = app_current_org()) WITH CHECK (id = app_current_org());

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON users USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON memberships USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON api_tokens USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

GRANT USAGE ON SCHEMA public TO fe_app, fe_identity_resolver;
GRANT EXECUTE ON FUNCTION app_current_org() TO fe_app, fe_identity_resolver;
GRANT SELECT, INSERT, UPDATE, DELETE ON orgs, users, memberships, api_tokens TO fe_app;

-- The one narrow path across orgs: sign-in knows a token, not yet an org. The function runs as
-- fe_identity_resolver, which may read (never write) these four tables across orgs, and it
-- returns only the identity that the token's hash names.
GRANT SELECT ON orgs, users, memberships, api_tokens TO fe_identity_resolver;
CREATE POLICY identity_resolution ON orgs FOR SELECT TO fe_identity_resolver USING (true);
CREATE POLICY identity_resolution ON users FOR SELECT TO fe_identity_resolver USING (true);
CREATE POLICY identity_resolution ON memberships FOR SELECT TO fe_identity_resolver USING (true);
CREATE POLICY identity_resolution ON api_tokens FOR SELECT TO fe_identity_resolver USING (true);

CREATE FUNCTION resolve_api_token(p_token_sha256 text)
  RETURNS TABLE (org_id uuid, org_name text, user_id uuid, email text, display_name text, roles text[])
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT o.id, o.name, u.id, u.email, u.display_name,
           coalesce((SELECT array_agg(m.role ORDER BY m.role) FROM memberships m WHERE m.org_id = u.org_id AND m.user_id = u.id), '{}')
    FROM api_tokens t
    JOIN users u ON u.org_id = t.org_id AND u.id = t.user_id
    JOIN orgs o ON o.id = t.org_id
    WHERE t.token_sha256 = p_token_sha256
  $$;
-- A new owner needs CREATE on the schema (a superuser skips that check); lend it for the move only.
GRANT CREATE ON SCHEMA public TO fe_identity_resolver;
ALTER FUNCTION resolve_api_token(text) OWNER TO fe_identity_resolver;
REVOKE CREATE ON SCHEMA public FROM fe_identity_resolver;
REVOKE ALL ON FUNCTION resolve_api_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_api_token(text) TO fe_app;
