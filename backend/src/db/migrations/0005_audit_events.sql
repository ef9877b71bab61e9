-- The audit trail: append-only and hash-chained per org.
-- seq numbers each org's chain 1, 2, 3, ... (ids come from a shared sequence and may interleave
-- across concurrent transactions, so they cannot order a chain). An insert trigger takes a per-org
-- advisory lock, links the row to the org's last one and computes
--   hash = hex(sha256(coalesce(prev_hash, '') || canonical json of the row))
-- with PostgreSQL's built-in sha256(), so no client can supply or skip a link. UPDATE, DELETE and
-- TRUNCATE are rejected by triggers, and fe_app is granted only SELECT and INSERT.

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id),
  seq bigint NOT NULL,
  -- No foreign key: the trail must outlive the users and targets it names.
  actor_user_id uuid,
  action text NOT NULL CHECK (length(action) > 0),
  target_type text,
  target_id text,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  prev_hash text,
  hash text NOT NULL,
  UNIQUE (org_id, seq)
);

-- The canonical form of a row: jsonb prints keys in a fixed order and the time in UTC, so the text
-- does not depend on session settings such as TimeZone or DateStyle.
CREATE FUNCTION audit_event_hash(e audit_events) RETURNS text
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, public
  AS $$
    SELECT encode(sha256(convert_to(coalesce(e.prev_hash, '') || jsonb_build_object(
      'id', e.id,
      'orgId', e.org_id,
      'seq', e.seq,
      'actorUserId', e.actor_user_id,
      'action', e.action,
      'targetType', e.target_type,
      'targetId', e.target_id,
      'data', e.data,
      'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text, 'UTF8')), 'hex')
  $$;

CREATE FUNCTION audit_events_link() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
  DECLARE
    last_seq bigint;
    last_hash text;
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('audit_events:' || NEW.org_id::text, 0));
    SELECT a.seq, a.hash INTO last_seq, last_hash
      FROM audit_events a WHERE a.org_id = NEW.org_id ORDER BY a.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.created_at := now();
    NEW.hash := audit_event_hash(NEW);
    RETURN NEW;
  END
  $$;

CREATE FUNCTION audit_events_reject_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END
  $$;

CREATE TRIGGER audit_events_link BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_link();
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON audit_events USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

GRANT SELECT, INSERT ON audit_events TO fe_app;
GRANT USAGE ON SEQUENCE audit_events_id_seq TO fe_app;
GRANT EXECUTE ON FUNCTION audit_event_hash(audit_events) TO fe_app;
