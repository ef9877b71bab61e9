-- Supervisor ↔ supervisee assignments (docs/decisions/013): a supervisor reads only the sessions
-- of the clinicians assigned to them. Both sides are users of the same org; the access policy
-- (resources/policies/access.rego) also requires the supervisor role at decision time, so an
-- assignment outlives a role change without granting anything.

CREATE TABLE supervision_assignments (
  org_id uuid NOT NULL REFERENCES orgs (id),
  supervisor_user_id uuid NOT NULL,
  clinician_user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, supervisor_user_id, clinician_user_id),
  CHECK (supervisor_user_id <> clinician_user_id),
  FOREIGN KEY (org_id, supervisor_user_id) REFERENCES users (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, clinician_user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);

ALTER TABLE supervision_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE supervision_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON supervision_assignments USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

GRANT SELECT, INSERT, DELETE ON supervision_assignments TO fe_app;
