-- SAML 2.0 sign-in (issue 11, item 2; docs/decisions/022). Per org under the usual row-level
-- security; the org rides in the SP's URLs (/v1/auth/saml/<org id>/…), so nothing spans orgs.
-- A SAML user's link is (IdP entity id, NameID) in oidc_identities, as an OIDC user's is (issuer, sub).

-- The org's IdP, from its metadata: entity id, SSO URL (HTTP-Redirect), signing certificates (PEM);
-- which attribute carries the email (NULL: an email-shaped NameID) and the roles.
CREATE TABLE org_saml_providers (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  idp_entity_id text NOT NULL CHECK (length(idp_entity_id) > 0),
  sso_url text NOT NULL CHECK (sso_url ~ '^https?://'),
  idp_certs text[] NOT NULL CHECK (cardinality(idp_certs) > 0),
  email_attribute text,
  role_attribute text NOT NULL DEFAULT 'groups',
  role_map jsonb NOT NULL DEFAULT '{}'::jsonb,
  default_role text CHECK (default_role IN ('clinician', 'supervisor', 'org_admin', 'auditor')),
  allowed_domains text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- AuthnRequest ids in flight (node-saml's cache provider): a response must answer one (InResponseTo).
CREATE TABLE saml_request_ids (
  org_id uuid NOT NULL REFERENCES orgs (id),
  request_id text NOT NULL,
  issued_at text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, request_id)
);

-- Replay protection: every accepted assertion id, kept until the assertion could no longer be valid.
CREATE TABLE saml_assertion_ids (
  org_id uuid NOT NULL REFERENCES orgs (id),
  assertion_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, assertion_id)
);
CREATE INDEX saml_assertion_ids_expiry_idx ON saml_assertion_ids (org_id, expires_at);

ALTER TABLE org_saml_providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_saml_providers FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON org_saml_providers USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE saml_request_ids ENABLE ROW LEVEL SECURITY;
ALTER TABLE saml_request_ids FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON saml_request_ids USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE saml_assertion_ids ENABLE ROW LEVEL SECURITY;
ALTER TABLE saml_assertion_ids FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON saml_assertion_ids USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON org_saml_providers TO fe_app;
GRANT SELECT, INSERT, DELETE ON saml_request_ids, saml_assertion_ids TO fe_app;
