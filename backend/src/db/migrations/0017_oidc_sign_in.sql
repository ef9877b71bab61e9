-- OIDC sign-in (docs/decisions/017). Both tables are per org under the usual row-level security:
-- the callback learns the org from the state it sent (`<org id>.<random>`), so no lookup spans orgs.

-- One identity provider per org. The client secret is sealed with the org's data key
-- (crypto/sealed-fields.ts); `role_map` maps a value of `role_claim` (e.g. a group id) to a role.
CREATE TABLE org_oidc_providers (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  issuer text NOT NULL CHECK (issuer ~ '^https?://'),
  client_id text NOT NULL CHECK (length(client_id) > 0),
  client_secret_sealed bytea,
  scopes text NOT NULL DEFAULT 'openid email profile',
  role_claim text NOT NULL DEFAULT 'groups',
  role_map jsonb NOT NULL DEFAULT '{}'::jsonb,
  default_role text CHECK (default_role IN ('clinician', 'supervisor', 'org_admin', 'auditor')),
  allowed_domains text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A sign-in in progress: state (only its sha256), nonce and PKCE verifier, kept server-side, single
-- use (deleted when taken) and short-lived. `binding_challenge` is the desktop app's own S256
-- challenge: only the process that started a loopback sign-in can finish it.
CREATE TABLE oidc_login_flows (
  state_sha256 text PRIMARY KEY CHECK (state_sha256 ~ '^[0-9a-f]{64}$'),
  org_id uuid NOT NULL REFERENCES orgs (id),
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  redirect_uri text NOT NULL,
  binding_challenge text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_login_flows_expiry_idx ON oidc_login_flows (org_id, expires_at);

ALTER TABLE org_oidc_providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_oidc_providers FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON org_oidc_providers USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE oidc_login_flows ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_login_flows FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON oidc_login_flows USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON org_oidc_providers TO fe_app;
GRANT SELECT, INSERT, DELETE ON oidc_login_flows TO fe_app;
