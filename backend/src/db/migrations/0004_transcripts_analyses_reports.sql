-- Results of an evaluation. One row per evaluation each (UNIQUE evaluation_id), so a retried
-- activity upserts instead of adding a duplicate. The evaluation must belong to the same session.

CREATE TABLE transcripts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  session_id uuid NOT NULL,
  evaluation_id uuid NOT NULL,
  body jsonb NOT NULL,
  engine text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (evaluation_id),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, evaluation_id, session_id) REFERENCES evaluations (org_id, id, session_id) ON DELETE CASCADE
);
CREATE INDEX transcripts_session_idx ON transcripts (session_id, created_at DESC);

CREATE TABLE analyses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  session_id uuid NOT NULL,
  evaluation_id uuid NOT NULL,
  body jsonb NOT NULL,
  model text NOT NULL,
  rubric_id text NOT NULL,
  rubric_version text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (evaluation_id),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, evaluation_id, session_id) REFERENCES evaluations (org_id, id, session_id) ON DELETE CASCADE
);
CREATE INDEX analyses_session_idx ON analyses (session_id, created_at DESC);

CREATE TABLE reports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  session_id uuid NOT NULL,
  evaluation_id uuid NOT NULL,
  blob_uri text NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bigint NOT NULL CHECK (bytes >= 0),
  pages integer NOT NULL CHECK (pages >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (evaluation_id),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, evaluation_id, session_id) REFERENCES evaluations (org_id, id, session_id) ON DELETE CASCADE
);
CREATE INDEX reports_session_idx ON reports (session_id, created_at DESC);

ALTER TABLE transcripts ENABLE ROW LEVEL SECURITY;
ALTER TABLE transcripts FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON transcripts USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE analyses ENABLE ROW LEVEL SECURITY;
ALTER TABLE analyses FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON analyses USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE reports FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON reports USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON transcripts, analyses, reports TO fe_app;
