-- Abuse limits (docs/decisions/014).
--
-- 1. Invite codes are single-use: resolve_session_invite only names a code nobody redeemed yet.
-- 2. Rate limits (failed sign-ins, guest joins) shared by every API process, in their own schema:
--    their rows belong to no org (keyed by a hash of the client address), so they are outside the
--    org-scoped tables of `public`, and fe_app may read and write them.

CREATE OR REPLACE FUNCTION resolve_session_invite(p_code_sha256 text)
  RETURNS TABLE (org_id uuid, invite_id uuid, session_id uuid, channel smallint, expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT i.org_id, i.id, i.session_id, i.channel, i.expires_at
    FROM session_invites i
    WHERE i.code_sha256 = p_code_sha256 AND i.expires_at > now() AND i.redemptions = 0
  $$;

CREATE SCHEMA fe_limits;
-- The layout rate-limiter-flexible's RateLimiterPostgres reads and writes (key, points, expire in epoch ms).
CREATE TABLE fe_limits.rate_limits (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
CREATE INDEX rate_limits_expire_idx ON fe_limits.rate_limits (expire);
GRANT USAGE ON SCHEMA fe_limits TO fe_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON fe_limits.rate_limits TO fe_app;

