-- Which IdP subject a user is (docs/decisions/017): after the first OIDC sign-in a user is found by
-- (issuer, sub), never by email alone, so another IdP account that asserts the same email address
-- cannot take the user over.
CREATE TABLE oidc_identities (
  org_id uuid NOT NULL REFERENCES orgs (id),
  issuer text NOT NULL,
  subject text NOT NULL CHECK (length(subject) > 0),
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, issuer, subject),
  UNIQUE (org_id, user_id, issuer),
  FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
ALTER TABLE oidc_identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_identities FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON oidc_identities USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, DELETE ON oidc_identities TO fe_app;
