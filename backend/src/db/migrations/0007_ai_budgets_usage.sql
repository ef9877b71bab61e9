-- AI governance gateway data: budgets with per-period counters, reservations, idempotency keys and
-- the gateway's own hash-chained audit trail. Money is always bigint micro-USD.
--
-- Budgets: one row per (org, scope, scope key, period). The running totals live in
-- ai_budget_counters, one row per budget and period start (UTC day or month), so a new period
-- starts at zero without a reset job. A reservation adds its worst case to `reserved_micros` of
-- every budget that applies, after locking those counter rows FOR UPDATE in budget-id order, and
-- only if reserved + settled + estimate <= cap on each; settling moves it to `settled_micros`.

CREATE TABLE ai_budgets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  scope text NOT NULL CHECK (scope IN ('org', 'user', 'purpose')),
  -- '' for the org scope, the user id for 'user', the purpose name for 'purpose'.
  scope_key text NOT NULL,
  period text NOT NULL CHECK (period IN ('day', 'month')),
  cap_micros bigint NOT NULL CHECK (cap_micros >= 0),
  soft_alert_fraction numeric(5, 4) NOT NULL DEFAULT 0.8 CHECK (soft_alert_fraction > 0 AND soft_alert_fraction <= 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((scope = 'org') = (scope_key = '')),
  UNIQUE (org_id, scope, scope_key, period),
  UNIQUE (org_id, id)
);

CREATE TABLE ai_budget_counters (
  org_id uuid NOT NULL REFERENCES orgs (id),
  budget_id uuid NOT NULL,
  period_start date NOT NULL,
  reserved_micros bigint NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  settled_micros bigint NOT NULL DEFAULT 0 CHECK (settled_micros >= 0),
  PRIMARY KEY (budget_id, period_start),
  FOREIGN KEY (org_id, budget_id) REFERENCES ai_budgets (org_id, id) ON DELETE CASCADE
);

CREATE TABLE ai_reservations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  -- No foreign key on the user: usage history outlives users.
  user_id uuid,
  purpose text NOT NULL CHECK (length(purpose) > 0),
  model text NOT NULL CHECK (length(model) > 0),
  -- The counters this reservation was added to: budget_ids[i] in its period starting period_starts[i].
  budget_ids uuid[] NOT NULL,
  period_starts date[] NOT NULL,
  reserved_micros bigint NOT NULL CHECK (reserved_micros >= 0),
  settled_micros bigint CHECK (settled_micros >= 0),
  status text NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'settled', 'released')),
  idempotency_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CHECK (cardinality(budget_ids) = cardinality(period_starts)),
  CHECK ((status = 'settled') = (settled_micros IS NOT NULL)),
  UNIQUE (org_id, id)
);
-- A request key holds at most one live (reserved or settled) reservation: a retry is not charged twice.
CREATE UNIQUE INDEX ai_reservations_idempotency_key ON ai_reservations (org_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL AND status <> 'released';
CREATE INDEX ai_reservations_org_created ON ai_reservations (org_id, created_at);
CREATE INDEX ai_reservations_open ON ai_reservations (org_id, created_at) WHERE status = 'reserved';

CREATE TABLE ai_idempotency_keys (
  org_id uuid NOT NULL REFERENCES orgs (id),
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_sha256 text NOT NULL CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
  status text NOT NULL CHECK (status IN ('in_flight', 'completed')),
  response jsonb,
  -- An in-flight key whose owner died is taken over after this instant.
  lease_expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  CHECK ((status = 'completed') = (response IS NOT NULL)),
  PRIMARY KEY (org_id, key)
);

-- The gateway's audit trail: same construction as audit_events (0005).
CREATE TABLE ai_gateway_audit (
  id bigserial PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id),
  seq bigint NOT NULL,
  user_id uuid,
  purpose text NOT NULL,
  session_id uuid,
  provider text NOT NULL,
  model text NOT NULL,
  tokens_in integer NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
  tokens_out integer NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
  audio_ms bigint CHECK (audio_ms >= 0),
  cost_micros bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
  latency_ms integer NOT NULL CHECK (latency_ms >= 0),
  policy_decision text NOT NULL CHECK (policy_decision IN ('allow', 'deny')),
  policy_version text NOT NULL,
  redaction_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  prompt_sha256 text CHECK (prompt_sha256 ~ '^[0-9a-f]{64}$'),
  response_sha256 text CHECK (response_sha256 ~ '^[0-9a-f]{64}$'),
  -- The stable error code when the call did not succeed (policy.denied, budget.exceeded, ...).
  outcome text NOT NULL DEFAULT 'ok',
  created_at timestamptz NOT NULL DEFAULT now(),
  prev_hash text,
  hash text NOT NULL,
  UNIQUE (org_id, seq)
);

CREATE FUNCTION ai_gateway_audit_hash(e ai_gateway_audit) RETURNS text
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, public
  AS $$
    SELECT encode(sha256(convert_to(coalesce(e.prev_hash, '') || jsonb_build_object(
      'id', e.id,
      'orgId', e.org_id,
      'seq', e.seq,
      'userId', e.user_id,
      'purpose', e.purpose,
      'sessionId', e.session_id,
      'provider', e.provider,
      'model', e.model,
      'tokensIn', e.tokens_in,
      'tokensOut', e.tokens_out,
      'audioMs', e.audio_ms,
      'costMicros', e.cost_micros,
      'latencyMs', e.latency_ms,
      'policyDecision', e.policy_decision,
      'policyVersion', e.policy_version,
      'redactionCounts', e.redaction_counts,
      'promptSha256', e.prompt_sha256,
      'responseSha256', e.response_sha256,
      'outcome', e.outcome,
      'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text, 'UTF8')), 'hex')
  $$;

CREATE FUNCTION ai_gateway_audit_link() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
  DECLARE
    last_seq bigint;
    last_hash text;
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('ai_gateway_audit:' || NEW.org_id::text, 0));
    SELECT a.seq, a.hash INTO last_seq, last_hash
      FROM ai_gateway_audit a WHERE a.org_id = NEW.org_id ORDER BY a.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.created_at := now();
    NEW.hash := ai_gateway_audit_hash(NEW);
    RETURN NEW;
  END
  $$;

CREATE FUNCTION append_only_reject_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END
  $$;

CREATE TRIGGER ai_gateway_audit_link BEFORE INSERT ON ai_gateway_audit
  FOR EACH ROW EXECUTE FUNCTION ai_gateway_audit_link();
CREATE TRIGGER ai_gateway_audit_append_only BEFORE UPDATE OR DELETE ON ai_gateway_audit
  FOR EACH ROW EXECUTE FUNCTION append_only_reject_change();
CREATE TRIGGER ai_gateway_audit_no_truncate BEFORE TRUNCATE ON ai_gateway_audit
  FOR EACH STATEMENT EXECUTE FUNCTION append_only_reject_change();

ALTER TABLE ai_budgets ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_budgets FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON ai_budgets USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE ai_budget_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_budget_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON ai_budget_counters USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE ai_reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_reservations FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON ai_reservations USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE ai_idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON ai_idempotency_keys USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
ALTER TABLE ai_gateway_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_gateway_audit FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON ai_gateway_audit USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON ai_budgets, ai_budget_counters, ai_idempotency_keys TO fe_app;
-- Reservations are history: they change status but are never deleted.
GRANT SELECT, INSERT, UPDATE ON ai_reservations TO fe_app;
GRANT SELECT, INSERT ON ai_gateway_audit TO fe_app;
GRANT USAGE ON SEQUENCE ai_gateway_audit_id_seq TO fe_app;
GRANT EXECUTE ON FUNCTION ai_gateway_audit_hash(ai_gateway_audit) TO fe_app;
