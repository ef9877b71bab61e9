-- Guests without an account: the session owner creates an invite (a short code, stored only as its
-- sha256, bound to one session and channel 1, expiring); a guest who redeems it with their consent
-- gets a guest token (also stored only as sha256) that admits them to that session's call signaling
-- and nothing else. Guest tokens live in their own table, so resolve_api_token never sees them.

CREATE TABLE session_invites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  session_id uuid NOT NULL,
  channel smallint NOT NULL DEFAULT 1 CHECK (channel = 1),
  code_sha256 text NOT NULL UNIQUE CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
  created_by uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  redemptions integer NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
  last_redeemed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  UNIQUE (org_id, id, session_id),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, created_by) REFERENCES users (org_id, id)
);
CREATE INDEX session_invites_session_idx ON session_invites (session_id, created_at DESC);

CREATE TABLE guest_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  session_id uuid NOT NULL,
  invite_id uuid NOT NULL,
  channel smallint NOT NULL DEFAULT 1 CHECK (channel = 1),
  display_name text NOT NULL CHECK (length(display_name) > 0),
  -- The consent the guest gave when redeeming (a row of consents, of this session's channel 1).
  consent_id uuid NOT NULL REFERENCES consents (id) ON DELETE CASCADE,
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE,
  -- The token's invite must be one of this session's.
  FOREIGN KEY (org_id, invite_id, session_id) REFERENCES session_invites (org_id, id, session_id) ON DELETE CASCADE
);
CREATE INDEX guest_tokens_session_idx ON guest_tokens (session_id);

ALTER TABLE session_invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_invites FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON session_invites USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE guest_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE guest_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON guest_tokens USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON session_invites, guest_tokens TO fe_app;

-- Like sign-in, a guest knows a code or a token, not yet an org: two SECURITY DEFINER functions
-- owned by fe_identity_resolver (read-only across orgs) return only the live row the hash names.
GRANT SELECT ON session_invites, guest_tokens TO fe_identity_resolver;
CREATE POLICY identity_resolution ON session_invites FOR SELECT TO fe_identity_resolver USING (true);
CREATE POLICY identity_resolution ON guest_tokens FOR SELECT TO fe_identity_resolver USING (true);

CREATE FUNCTION resolve_session_invite(p_code_sha256 text)
  RETURNS TABLE (org_id uuid, invite_id uuid, session_id uuid, channel smallint, expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT i.org_id, i.id, i.session_id, i.channel, i.expires_at
    FROM session_invites i
    WHERE i.code_sha256 = p_code_sha256 AND i.expires_at > now()
  $$;

CREATE FUNCTION resolve_guest_token(p_token_sha256 text)
  RETURNS TABLE (org_id uuid, guest_id uuid, session_id uuid, channel smallint, display_name text, expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT g.org_id, g.id, g.session_id, g.channel, g.display_name, g.expires_at
    FROM guest_tokens g
    WHERE g.token_sha256 = p_token_sha256 AND g.expires_at > now()
  $$;

GRANT CREATE ON SCHEMA public TO fe_identity_resolver;
ALTER FUNCTION resolve_session_invite(text) OWNER TO fe_identity_resolver;
ALTER FUNCTION resolve_guest_token(text) OWNER TO fe_identity_resolver;
REVOKE CREATE ON SCHEMA public FROM fe_identity_resolver;
REVOKE ALL ON FUNCTION resolve_session_invite(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION resolve_guest_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_session_invite(text), resolve_guest_token(text) TO fe_app;
