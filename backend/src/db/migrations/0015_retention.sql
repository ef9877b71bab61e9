-- Retention and erasure (docs/decisions/016). Per-org retention periods for recordings,
-- transcripts (with the analyses quoting them) and reports; NULL takes the deployment default
-- (FE_RETENTION_*_DAYS), 0 keeps forever. A recording past its period loses its audio blob and keeps
-- its metadata row (evaluations reference it) marked erased_at.
CREATE TABLE org_retention (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  recordings_days integer CHECK (recordings_days >= 0),
  transcripts_days integer CHECK (transcripts_days >= 0),
  reports_days integer CHECK (reports_days >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE org_retention ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_retention FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON org_retention USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON org_retention TO fe_app;

ALTER TABLE recordings ADD COLUMN erased_at timestamptz;

-- The retention sweep visits every org: like sign-in, one SECURITY DEFINER path across orgs, and it
-- tells only the ids.
CREATE FUNCTION retention_org_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$ SELECT id FROM orgs ORDER BY id $$;
GRANT CREATE ON SCHEMA public TO fe_identity_resolver;
ALTER FUNCTION retention_org_ids() OWNER TO fe_identity_resolver;
REVOKE ALL ON FUNCTION retention_org_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION retention_org_ids() TO fe_app;
