-- The uploaded recording (a reference to the blob store, never the audio itself) and each
-- evaluation run of a session's workflow.

CREATE TABLE recordings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  session_id uuid NOT NULL,
  blob_uri text NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bigint NOT NULL CHECK (bytes >= 0),
  duration_sec double precision CHECK (duration_sec >= 0),
  container text,
  codec text,
  channels smallint CHECK (channels > 0),
  sample_rate integer CHECK (sample_rate > 0),
  status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'accepted', 'rejected')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  UNIQUE (org_id, id, session_id),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE
);
CREATE INDEX recordings_session_idx ON recordings (session_id, created_at DESC);

CREATE TABLE evaluations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  session_id uuid NOT NULL,
  recording_id uuid,
  workflow_id text NOT NULL,
  run_id text,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  step text,
  progress double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  error_code text,
  error_message text,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  UNIQUE (org_id, id, session_id),
  UNIQUE (workflow_id),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE,
  -- The recording evaluated must be one of this session's.
  FOREIGN KEY (org_id, recording_id, session_id) REFERENCES recordings (org_id, id, session_id)
);
CREATE INDEX evaluations_session_idx ON evaluations (session_id, created_at DESC);

ALTER TABLE recordings ENABLE ROW LEVEL SECURITY;
ALTER TABLE recordings FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON recordings USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE evaluations ENABLE ROW LEVEL SECURITY;
ALTER TABLE evaluations FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON evaluations USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON recordings, evaluations TO fe_app;
