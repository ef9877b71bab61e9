-- A session between two participants, one per audio channel, each of whom must consent before any
-- audio is accepted. Child rows reference (org_id, id) so a row can never point into another org.

CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  title text NOT NULL,
  rubric_id text NOT NULL,
  status text NOT NULL DEFAULT 'created'
    CHECK (status IN ('created', 'recording_uploaded', 'evaluating', 'completed', 'failed')),
  created_by uuid NOT NULL,
  recorded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, created_by) REFERENCES users (org_id, id)
);
CREATE INDEX sessions_org_created_idx ON sessions (org_id, created_at DESC);

CREATE TABLE participants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  session_id uuid NOT NULL,
  channel smallint NOT NULL CHECK (channel IN (0, 1)),
  display_name text NOT NULL,
  role_label text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  UNIQUE (session_id, channel),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE
);

CREATE TABLE consents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  participant_id uuid NOT NULL,
  given_at timestamptz NOT NULL,
  method text NOT NULL CHECK (length(method) > 0),
  text_version text NOT NULL CHECK (length(text_version) > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, participant_id) REFERENCES participants (org_id, id) ON DELETE CASCADE
);
CREATE INDEX consents_participant_idx ON consents (participant_id);

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON sessions USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE participants ENABLE ROW LEVEL SECURITY;
ALTER TABLE participants FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON participants USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON consents USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, participants TO fe_app;
-- A consent is a record of something that happened: it is added, never edited.
GRANT SELECT, INSERT ON consents TO fe_app;
