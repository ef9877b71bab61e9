-- The audit chain becomes keyed (docs/decisions/016). From now on the application computes each
-- entry's hash as an HMAC with a key derived from the org's data key (which the database holds only
-- wrapped by the key-encryption key) and sends seq, prev_hash, hash and created_at itself;
-- mac_key_id names the data key. The trigger no longer hashes: under the same per-org advisory lock
-- it refuses an entry that carries no keyed hash or does not follow the org's current head, so the
-- chain stays one unbroken line. Entries written before keep their unkeyed sha256 (mac_key_id NULL,
-- checked with audit_event_hash); the first keyed entry's prev_hash anchors them.

ALTER TABLE audit_events ADD COLUMN mac_key_id uuid;

CREATE OR REPLACE FUNCTION audit_events_link() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
  DECLARE
    last_seq bigint;
    last_hash text;
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('audit_events:' || NEW.org_id::text, 0));
    IF NEW.mac_key_id IS NULL OR NEW.hash IS NULL OR NEW.hash !~ '^[0-9a-f]{64}$' THEN
      RAISE EXCEPTION 'audit_events: an entry needs the keyed hash the application computes (mac_key_id, hash)'
        USING ERRCODE = 'check_violation';
    END IF;
    SELECT a.seq, a.hash INTO last_seq, last_hash
      FROM audit_events a WHERE a.org_id = NEW.org_id ORDER BY a.seq DESC LIMIT 1;
    IF NEW.seq IS DISTINCT FROM coalesce(last_seq, 0) + 1 OR NEW.prev_hash IS DISTINCT FROM last_hash THEN
      RAISE EXCEPTION 'audit_events: entry % of org % does not follow the chain head (seq %)', NEW.seq, NEW.org_id, coalesce(last_seq, 0)
        USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NEW;
  END
  $$;
