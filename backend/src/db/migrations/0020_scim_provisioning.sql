-- SCIM 2.0 provisioning (issue 11, item 4; docs/decisions/021). An IdP (Entra ID, Okta) creates,
-- updates, deactivates and deletes users and groups of one org; group membership sets roles.

-- 1. Users can be deactivated (SCIM active=false) and deleted (SCIM DELETE keeps the row, which
--    sessions and audit entries name, and hides it from SCIM). A deactivated user's tokens stop
--    resolving at once: resolve_api_token (below) joins on u.active.
ALTER TABLE users
  ADD COLUMN active boolean NOT NULL DEFAULT true,
  ADD COLUMN external_id text,
  ADD COLUMN scim_name jsonb,
  ADD COLUMN scim_deleted_at timestamptz,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE users ADD CONSTRAINT users_deleted_inactive CHECK (scim_deleted_at IS NULL OR NOT active);

-- 2. The org's SCIM bearer credential: `fe_scim_<org id>.<secret>`, only its sha256 stored, so the
--    endpoint finds it under the org's row security with no lookup across orgs. `role_map` maps a
--    group's displayName to a role (a group named like a role maps to it without an entry).
CREATE TABLE scim_credentials (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  role_map jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scim_groups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  display_name text NOT NULL CHECK (length(display_name) > 0),
  external_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  UNIQUE (org_id, display_name)
);

CREATE TABLE scim_group_members (
  org_id uuid NOT NULL REFERENCES orgs (id),
  group_id uuid NOT NULL,
  user_id uuid NOT NULL,
  PRIMARY KEY (org_id, group_id, user_id),
  FOREIGN KEY (org_id, group_id) REFERENCES scim_groups (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX scim_group_members_user_idx ON scim_group_members (org_id, user_id);

ALTER TABLE scim_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE scim_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON scim_credentials USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE scim_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE scim_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON scim_groups USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE scim_group_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE scim_group_members FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON scim_group_members USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON scim_credentials, scim_groups, scim_group_members TO fe_app;

-- 3. Sign-in: a token of a deactivated user resolves to nobody (as 0010, plus u.active).
DROP FUNCTION resolve_api_token(text);
CREATE FUNCTION resolve_api_token(p_token_sha256 text)
  RETURNS TABLE (org_id uuid, org_name text, user_id uuid, email text, display_name text, roles text[], token_id uuid, token_kind text, expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT o.id, o.name, u.id, u.email, u.display_name,
           coalesce((SELECT array_agg(m.role ORDER BY m.role) FROM memberships m WHERE m.org_id = u.org_id AND m.user_id = u.id), '{}'),
           t.id, t.kind, t.expires_at
    FROM api_tokens t
    JOIN users u ON u.org_id = t.org_id AND u.id = t.user_id
    JOIN orgs o ON o.id = t.org_id
    WHERE t.token_sha256 = p_token_sha256
      AND t.revoked_at IS NULL
      AND t.expires_at > now()
      AND u.active
  $$;
GRANT CREATE ON SCHEMA public TO fe_identity_resolver;
ALTER FUNCTION resolve_api_token(text) OWNER TO fe_identity_resolver;
REVOKE CREATE ON SCHEMA public FROM fe_identity_resolver;
REVOKE ALL ON FUNCTION resolve_api_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_api_token(text) TO fe_app;
