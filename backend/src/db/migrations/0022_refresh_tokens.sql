-- Desktop refresh tokens (issue 11, sessions and tokens). The desktop app holds a
-- short-lived access token (an api_tokens row) and a rotating refresh token. Only the refresh
-- token's sha256 is stored; the token is `fe_rt_<org id>.<random>`, so it is found under its org's
-- row security with no lookup across orgs (as sign_in_links). Every rotation adds a row to the same
-- family: presenting a token of the family that was already rotated (a copy in another hand) revokes
-- the whole family and the access tokens it issued. `family_expires_at` is the absolute lifetime
-- (a rotation never extends it), `expires_at` the idle one.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL,
  family_id uuid NOT NULL,
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  family_expires_at timestamptz NOT NULL,
  rotated_at timestamptz,
  revoked_at timestamptz,
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (org_id, family_id);
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON refresh_tokens USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON refresh_tokens TO fe_app;

-- The access tokens a family issued, so revoking the family revokes them too.
ALTER TABLE api_tokens ADD COLUMN refresh_family_id uuid;
CREATE INDEX api_tokens_refresh_family_idx ON api_tokens (org_id, refresh_family_id) WHERE refresh_family_id IS NOT NULL;
