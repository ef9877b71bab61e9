-- One-time sign-in links (issue 11, bootstrap): `feedback admin create-org` prints one for the
-- org's first org_admin. Only the link secret's sha256 is stored; the link is `<org id>.<random>`,
-- so redemption finds it under its org's row security with no lookup across orgs. A link is spent
-- (used_at) by its first redemption and refused after expires_at.
CREATE TABLE sign_in_links (
  token_sha256 text PRIMARY KEY CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
ALTER TABLE sign_in_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE sign_in_links FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sign_in_links USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON sign_in_links TO fe_app;
