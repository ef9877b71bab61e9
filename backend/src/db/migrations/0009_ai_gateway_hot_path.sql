-- The gateway's hot path as single statements. Each budget/idempotency step used to be several
-- statements, each a network round trip while row locks were held; these functions do the same
-- steps, in the same order, under the same locks, in one statement. They are SECURITY INVOKER: they
-- run as fe_app with app.org_id set (db.withOrg), so row-level security applies to every row they
-- touch exactly as before.

-- Claims an Idempotency-Key: {state: new | in_flight | completed | conflict, response?}.
CREATE FUNCTION ai_idempotency_begin(p_key text, p_request_sha256 text, p_lease_sec integer) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
  DECLARE
    v_org uuid := app_current_org();
    v_row record;
  BEGIN
    IF v_org IS NULL THEN RAISE EXCEPTION 'ai_idempotency_begin needs app.org_id' USING ERRCODE = 'insufficient_privilege'; END IF;
    LOOP
      -- A concurrent insert of the same key waits here until the other transaction ends.
      INSERT INTO ai_idempotency_keys (org_id, key, request_sha256, status, lease_expires_at)
      VALUES (v_org, p_key, p_request_sha256, 'in_flight', now() + make_interval(secs => p_lease_sec))
      ON CONFLICT (org_id, key) DO NOTHING;
      IF FOUND THEN RETURN jsonb_build_object('state', 'new'); END IF;
      SELECT k.request_sha256, k.status, k.response, k.lease_expires_at < now() AS expired INTO v_row
        FROM ai_idempotency_keys k WHERE k.key = p_key FOR UPDATE;
      -- Abandoned between the insert and this read: claim it afresh.
      CONTINUE WHEN NOT FOUND;
      IF v_row.request_sha256 <> p_request_sha256 THEN RETURN jsonb_build_object('state', 'conflict'); END IF;
      IF v_row.status = 'completed' THEN RETURN jsonb_build_object('state', 'completed', 'response', v_row.response); END IF;
      IF NOT v_row.expired THEN RETURN jsonb_build_object('state', 'in_flight'); END IF;
      -- The owner's lease ran out (it crashed): this attempt takes the key over.
      UPDATE ai_idempotency_keys SET lease_expires_at = now() + make_interval(secs => p_lease_sec) WHERE key = p_key;
      RETURN jsonb_build_object('state', 'new');
    END LOOP;
  END
  $$;

-- Reserves p_estimate against every budget of the org that applies (org, the user, the purpose) in
-- the period containing p_at (now() when null). Counters are created if missing and locked FOR
-- UPDATE in budget-id order; the reservation is refused unless reserved + settled + estimate <= cap
-- on every one of them, so no interleaving can overshoot. A key with a live reservation gets it back.
-- Answers {ok: true, reservationId, replayed, softAlerts[]} or {ok: false, budget}.
CREATE FUNCTION ai_reserve(p_user_id uuid, p_purpose text, p_model text, p_estimate bigint, p_key text, p_at timestamptz) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
  DECLARE
    v_org uuid := app_current_org();
    v_at timestamptz := coalesce(p_at, now());
    v_id uuid;
    v_ids uuid[];
    v_starts date[];
    v_states jsonb := '[]'::jsonb;
    v_alerts jsonb := '[]'::jsonb;
    k record;
  BEGIN
    IF v_org IS NULL THEN RAISE EXCEPTION 'ai_reserve needs app.org_id' USING ERRCODE = 'insufficient_privilege'; END IF;
    IF p_key IS NOT NULL THEN
      -- Two concurrent retries of one request must not both pass the lookup below.
      PERFORM pg_advisory_xact_lock(hashtextextended('ai_reservations:' || v_org::text || ':' || p_key, 0));
      SELECT r.id INTO v_id FROM ai_reservations r WHERE r.idempotency_key = p_key AND r.status <> 'released';
      IF FOUND THEN RETURN jsonb_build_object('ok', true, 'reservationId', v_id, 'replayed', true, 'softAlerts', '[]'::jsonb); END IF;
    END IF;

    SELECT coalesce(array_agg(x.id ORDER BY x.id), '{}'), coalesce(array_agg(x.period_start ORDER BY x.id), '{}') INTO v_ids, v_starts
      FROM (SELECT b.id,
                   (CASE b.period WHEN 'day' THEN date_trunc('day', v_at AT TIME ZONE 'UTC') ELSE date_trunc('month', v_at AT TIME ZONE 'UTC') END)::date AS period_start
            FROM ai_budgets b
            WHERE b.scope = 'org' OR (b.scope = 'user' AND b.scope_key = coalesce(p_user_id::text, '')) OR (b.scope = 'purpose' AND b.scope_key = p_purpose)) x;

    IF cardinality(v_ids) > 0 THEN
      INSERT INTO ai_budget_counters (org_id, budget_id, period_start)
        SELECT v_org, u.budget_id, u.period_start FROM unnest(v_ids, v_starts) AS u (budget_id, period_start)
        ORDER BY u.budget_id
        ON CONFLICT DO NOTHING;
      FOR k IN
        SELECT c.budget_id, c.period_start, c.reserved_micros + c.settled_micros AS used, b.cap_micros,
               ceil(b.cap_micros * b.soft_alert_fraction)::bigint AS threshold, b.scope, b.scope_key, b.period
        FROM ai_budget_counters c
        JOIN unnest(v_ids, v_starts) AS u (budget_id, period_start) ON c.budget_id = u.budget_id AND c.period_start = u.period_start
        JOIN ai_budgets b ON b.id = c.budget_id
        ORDER BY c.budget_id, c.period_start
        FOR UPDATE OF c
      LOOP
        v_states := v_states || jsonb_build_array(jsonb_build_object(
          'budgetId', k.budget_id, 'scope', k.scope, 'scopeKey', k.scope_key, 'period', k.period,
          'periodStart', to_char(k.period_start, 'YYYY-MM-DD'), 'capMicros', k.cap_micros, 'usedMicros', k.used, 'thresholdMicros', k.threshold));
      END LOOP;
      -- Every counter is locked before any is judged, as before: the first over its cap (in budget-id order) refuses.
      FOR k IN SELECT s FROM jsonb_array_elements(v_states) AS s LOOP
        IF (k.s ->> 'usedMicros')::bigint + p_estimate > (k.s ->> 'capMicros')::bigint THEN
          RETURN jsonb_build_object('ok', false, 'budget', (k.s - 'thresholdMicros') || jsonb_build_object('requestedMicros', p_estimate));
        END IF;
      END LOOP;
      UPDATE ai_budget_counters c SET reserved_micros = c.reserved_micros + p_estimate
        FROM unnest(v_ids, v_starts) AS u (budget_id, period_start)
        WHERE c.budget_id = u.budget_id AND c.period_start = u.period_start;
      FOR k IN SELECT s FROM jsonb_array_elements(v_states) AS s LOOP
        IF (k.s ->> 'usedMicros')::bigint + p_estimate >= (k.s ->> 'thresholdMicros')::bigint THEN
          v_alerts := v_alerts || jsonb_build_array(k.s || jsonb_build_object(
            'usedMicros', (k.s ->> 'usedMicros')::bigint + p_estimate,
            'crossed', (k.s ->> 'usedMicros')::bigint < (k.s ->> 'thresholdMicros')::bigint));
        END IF;
      END LOOP;
    END IF;

    INSERT INTO ai_reservations (org_id, user_id, purpose, model, budget_ids, period_starts, reserved_micros, idempotency_key)
      VALUES (v_org, p_user_id, p_purpose, p_model, v_ids, v_starts, p_estimate, p_key)
      RETURNING id INTO v_id;
    RETURN jsonb_build_object('ok', true, 'reservationId', v_id, 'replayed', false, 'softAlerts', v_alerts);
  END
  $$;

-- Settles (p_actual not null) or releases (p_actual null) a reservation:
-- {reservationId, status, reservedMicros, settledMicros, overshootMicros, overCap[], changed} or {error: not_found | released | settled}.
CREATE FUNCTION ai_finish_reservation(p_reservation_id uuid, p_actual bigint) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
  DECLARE
    r record;
    k record;
    v_over jsonb := '[]'::jsonb;
  BEGIN
    IF app_current_org() IS NULL THEN RAISE EXCEPTION 'ai_finish_reservation needs app.org_id' USING ERRCODE = 'insufficient_privilege'; END IF;
    SELECT x.status, x.reserved_micros, x.settled_micros, x.budget_ids, x.period_starts INTO r
      FROM ai_reservations x WHERE x.id = p_reservation_id FOR UPDATE;
    IF NOT FOUND THEN RETURN jsonb_build_object('error', 'not_found'); END IF;
    IF p_actual IS NULL THEN
      IF r.status = 'released' THEN RETURN jsonb_build_object('reservationId', p_reservation_id, 'status', 'released', 'changed', false); END IF;
      IF r.status = 'settled' THEN RETURN jsonb_build_object('error', 'settled'); END IF;
    ELSE
      IF r.status = 'released' THEN RETURN jsonb_build_object('error', 'released'); END IF;
      IF r.status = 'settled' THEN
        RETURN jsonb_build_object('reservationId', p_reservation_id, 'status', 'settled', 'changed', false, 'reservedMicros', r.reserved_micros,
          'settledMicros', r.settled_micros, 'overshootMicros', greatest(0, r.settled_micros - r.reserved_micros), 'overCap', '[]'::jsonb);
      END IF;
    END IF;
    IF cardinality(r.budget_ids) > 0 THEN
      FOR k IN
        SELECT c.budget_id, c.period_start, c.reserved_micros + c.settled_micros AS used, b.cap_micros, b.scope, b.scope_key, b.period
        FROM ai_budget_counters c
        JOIN unnest(r.budget_ids, r.period_starts) AS u (budget_id, period_start) ON c.budget_id = u.budget_id AND c.period_start = u.period_start
        JOIN ai_budgets b ON b.id = c.budget_id
        ORDER BY c.budget_id, c.period_start
        FOR UPDATE OF c
      LOOP
        IF p_actual IS NOT NULL AND k.used - r.reserved_micros + p_actual > k.cap_micros THEN
          v_over := v_over || jsonb_build_array(jsonb_build_object(
            'budgetId', k.budget_id, 'scope', k.scope, 'scopeKey', k.scope_key, 'period', k.period,
            'periodStart', to_char(k.period_start, 'YYYY-MM-DD'), 'capMicros', k.cap_micros, 'usedMicros', k.used - r.reserved_micros + p_actual));
        END IF;
      END LOOP;
      UPDATE ai_budget_counters c SET reserved_micros = c.reserved_micros - r.reserved_micros, settled_micros = c.settled_micros + coalesce(p_actual, 0)
        FROM unnest(r.budget_ids, r.period_starts) AS u (budget_id, period_start)
        WHERE c.budget_id = u.budget_id AND c.period_start = u.period_start;
    END IF;
    IF p_actual IS NULL THEN
      UPDATE ai_reservations SET status = 'released', finished_at = now() WHERE id = p_reservation_id;
      RETURN jsonb_build_object('reservationId', p_reservation_id, 'status', 'released', 'changed', true);
    END IF;
    UPDATE ai_reservations SET status = 'settled', settled_micros = p_actual, finished_at = now() WHERE id = p_reservation_id;
    RETURN jsonb_build_object('reservationId', p_reservation_id, 'status', 'settled', 'changed', true, 'reservedMicros', r.reserved_micros,
      'settledMicros', p_actual, 'overshootMicros', greatest(0, p_actual - r.reserved_micros), 'overCap', v_over);
  END
  $$;

-- Start of a governed call: claim the Idempotency-Key (if any), then reserve the worst case. A
-- refused reservation gives the key back in the same transaction. {idempotency, reservation?}.
CREATE FUNCTION ai_gateway_begin_call(p_key text, p_request_sha256 text, p_lease_sec integer,
                                      p_user_id uuid, p_purpose text, p_model text, p_estimate bigint) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
  DECLARE
    v_idem jsonb := jsonb_build_object('state', 'none');
    v_res jsonb;
  BEGIN
    IF p_key IS NOT NULL THEN
      v_idem := ai_idempotency_begin(p_key, p_request_sha256, p_lease_sec);
      IF v_idem ->> 'state' <> 'new' THEN RETURN jsonb_build_object('idempotency', v_idem); END IF;
    END IF;
    v_res := ai_reserve(p_user_id, p_purpose, p_model, p_estimate, p_key, NULL);
    IF p_key IS NOT NULL AND NOT (v_res ->> 'ok')::boolean THEN
      DELETE FROM ai_idempotency_keys WHERE key = p_key AND status = 'in_flight';
    END IF;
    RETURN jsonb_build_object('idempotency', v_idem, 'reservation', v_res);
  END
  $$;

-- End of a governed call: settle (p_actual) or release (null) the reservation, complete the key
-- with p_answer (or give it back when null), and append the audit record (p_audit: column names as
-- keys; seq, hashes and created_at come from the trigger). The audit insert comes last, so the
-- org's chain lock is held only for the insert and the commit.
CREATE FUNCTION ai_gateway_finish_call(p_reservation_id uuid, p_actual bigint, p_key text, p_answer jsonb, p_audit jsonb) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
  DECLARE
    v_org uuid := app_current_org();
    v_res jsonb := NULL;
  BEGIN
    IF v_org IS NULL THEN RAISE EXCEPTION 'ai_gateway_finish_call needs app.org_id' USING ERRCODE = 'insufficient_privilege'; END IF;
    IF p_reservation_id IS NOT NULL THEN v_res := ai_finish_reservation(p_reservation_id, p_actual); END IF;
    IF p_key IS NOT NULL THEN
      IF p_answer IS NOT NULL THEN
        UPDATE ai_idempotency_keys SET status = 'completed', response = p_answer, completed_at = now() WHERE key = p_key AND status = 'in_flight';
      ELSE
        DELETE FROM ai_idempotency_keys WHERE key = p_key AND status = 'in_flight';
      END IF;
    END IF;
    INSERT INTO ai_gateway_audit (org_id, user_id, purpose, session_id, provider, model, tokens_in, tokens_out, audio_ms, cost_micros,
                                  latency_ms, policy_decision, policy_version, redaction_counts, prompt_sha256, response_sha256, outcome)
      SELECT v_org, a.user_id, a.purpose, a.session_id, a.provider, a.model, coalesce(a.tokens_in, 0), coalesce(a.tokens_out, 0), a.audio_ms,
             coalesce(a.cost_micros, 0), a.latency_ms, a.policy_decision, a.policy_version, coalesce(a.redaction_counts, '{}'::jsonb),
             a.prompt_sha256, a.response_sha256, coalesce(a.outcome, 'ok')
      FROM jsonb_populate_record(NULL::ai_gateway_audit, p_audit) a;
    RETURN jsonb_build_object('reservation', v_res);
  END
  $$;

REVOKE ALL ON FUNCTION ai_idempotency_begin(text, text, integer), ai_reserve(uuid, text, text, bigint, text, timestamptz),
  ai_finish_reservation(uuid, bigint), ai_gateway_begin_call(text, text, integer, uuid, text, text, bigint),
  ai_gateway_finish_call(uuid, bigint, text, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ai_idempotency_begin(text, text, integer), ai_reserve(uuid, text, text, bigint, text, timestamptz),
  ai_finish_reservation(uuid, bigint), ai_gateway_begin_call(text, text, integer, uuid, text, text, bigint),
  ai_gateway_finish_call(uuid, bigint, text, jsonb, jsonb) TO fe_app;
