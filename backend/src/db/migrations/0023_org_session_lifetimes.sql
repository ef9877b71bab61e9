-- Desktop session lifetimes per org (issue 11, sessions and tokens; docs/decisions/028). A NULL
-- column keeps the deployment's default (FE_DESKTOP_ACCESS_TTL_SEC, FE_DESKTOP_REFRESH_IDLE_SEC,
-- FE_DESKTOP_REFRESH_ABSOLUTE_SEC). Set by `feedback admin session-lifetimes` (audited).
CREATE TABLE org_session_lifetimes (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  access_ttl_sec integer CHECK (access_ttl_sec BETWEEN 60 AND 86400),
  refresh_idle_sec integer CHECK (refresh_idle_sec >= 300),
  refresh_absolute_sec integer CHECK (refresh_absolute_sec >= 300),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE org_session_lifetimes ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_session_lifetimes FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON org_session_lifetimes USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON org_session_lifetimes TO fe_app;
