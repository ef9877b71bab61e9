-- Sign-in hardening (docs/decisions/014).
--
-- 1. API tokens expire and can be revoked. `kind` tells the embedded dev identity's token ('dev')
--    from every other ('api'): the API accepts a dev token only when it is the current FE_DEV_TOKEN
--    of an embedded deployment, so a changed FE_DEV_TOKEN, or a dev token that reached an external
--    database, signs nobody in.
-- 2. Every gateway service credential expires (see the end of this file).

ALTER TABLE api_tokens
  ADD COLUMN kind text NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'dev')),
  -- Existing tokens get 30 days from now (one value for every row; no table rewrite).
  ADD COLUMN expires_at timestamptz NOT NULL DEFAULT (now() + interval '30 days'),
  ADD COLUMN revoked_at timestamptz;
ALTER TABLE api_tokens ALTER COLUMN expires_at DROP DEFAULT;

-- The table owner is bound by FORCE ROW LEVEL SECURITY too: lift it for this one update, inside
-- the migration's transaction, so tokens of every org are marked.
ALTER TABLE api_tokens NO FORCE ROW LEVEL SECURITY;
UPDATE api_tokens SET kind = 'dev' WHERE label = 'dev identity';
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE INDEX api_tokens_user_idx ON api_tokens (org_id, user_id);

DROP FUNCTION resolve_api_token(text);
CREATE FUNCTION resolve_api_token(p_token_sha256 text)
  RETURNS TABLE (org_id uuid, org_name text, user_id uuid, email text, display_name text, roles text[], token_id uuid, token_kind text, expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT o.id, o.name, u.id, u.email, u.display_name,
           coalesce((SELECT array_agg(m.role ORDER BY m.role) FROM memberships m WHERE m.org_id = u.org_id AND m.user_id = u.id), '{}'),
           t.id, t.kind, t.expires_at
    FROM api_tokens t
    JOIN users u ON u.org_id = t.org_id AND u.id = t.user_id
    JOIN orgs o ON o.id = t.org_id
    WHERE t.token_sha256 = p_token_sha256
      AND t.revoked_at IS NULL
      AND t.expires_at > now()
  $$;
GRANT CREATE ON SCHEMA public TO fe_identity_resolver;
ALTER FUNCTION resolve_api_token(text) OWNER TO fe_identity_resolver;
REVOKE CREATE ON SCHEMA public FROM fe_identity_resolver;
REVOKE ALL ON FUNCTION resolve_api_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_api_token(text) TO fe_app;

-- 2. Every gateway service credential expires: new ones get 90 days unless minted with a lifetime
--    (service-credentials.ts), and those minted "until revoked" get 90 days from now.
ALTER TABLE ai_service_credentials NO FORCE ROW LEVEL SECURITY;
UPDATE ai_service_credentials SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
ALTER TABLE ai_service_credentials FORCE ROW LEVEL SECURITY;
ALTER TABLE ai_service_credentials ALTER COLUMN expires_at SET NOT NULL;
