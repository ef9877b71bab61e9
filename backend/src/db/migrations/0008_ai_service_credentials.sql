-- Workload credentials for the AI governance gateway, and each org's policy overrides.
--
-- A service credential (e.g. the worker's) authenticates calls to the gateway for one org. Only the
-- secret's sha256 is stored; the secret is shown once when minted. `purposes` limits what the
-- credential may be used for (NULL = any purpose). A credential stops working at expires_at or once
-- revoked_at is set; the row stays as history.

CREATE TABLE ai_service_credentials (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  name text NOT NULL CHECK (length(name) > 0),
  secret_sha256 text NOT NULL UNIQUE CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
  purposes text[] CHECK (purposes IS NULL OR cardinality(purposes) > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  CHECK (expires_at IS NULL OR expires_at > created_at),
  UNIQUE (org_id, id)
);
CREATE INDEX ai_service_credentials_org ON ai_service_credentials (org_id, created_at);

-- Overrides of the policy data (data.json defaults) for one org, e.g. its allowed models per purpose.
CREATE TABLE ai_org_policies (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE ai_service_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_service_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON ai_service_credentials USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE ai_org_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_org_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON ai_org_policies USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

-- Credentials are revoked, never deleted: the audit trail may name them.
GRANT SELECT, INSERT, UPDATE ON ai_service_credentials TO fe_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_org_policies TO fe_app;

-- The gateway knows a secret before it knows the org: the same narrow cross-org path as
-- resolve_api_token (0001). The function runs as fe_identity_resolver, reads only this table, and
-- returns the one live credential whose hash matches.
GRANT SELECT ON ai_service_credentials TO fe_identity_resolver;
CREATE POLICY identity_resolution ON ai_service_credentials FOR SELECT TO fe_identity_resolver USING (true);

CREATE FUNCTION resolve_ai_service_credential(p_secret_sha256 text)
  RETURNS TABLE (credential_id uuid, org_id uuid, name text, purposes text[], expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT c.id, c.org_id, c.name, c.purposes, c.expires_at
    FROM ai_service_credentials c
    WHERE c.secret_sha256 = p_secret_sha256
      AND c.revoked_at IS NULL
      AND (c.expires_at IS NULL OR c.expires_at > now())
  $$;
GRANT CREATE ON SCHEMA public TO fe_identity_resolver;
ALTER FUNCTION resolve_ai_service_credential(text) OWNER TO fe_identity_resolver;
REVOKE CREATE ON SCHEMA public FROM fe_identity_resolver;
REVOKE ALL ON FUNCTION resolve_ai_service_credential(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_ai_service_credential(text) TO fe_app;
