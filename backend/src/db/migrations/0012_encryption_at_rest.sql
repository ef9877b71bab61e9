-- Encryption at rest (docs/decisions/015). Per-org data keys, stored only wrapped by the
-- key-encryption key of a KeyProvider (local key file or Azure Key Vault), and sealed columns for
-- the health data: each sensitive column gets a bytea twin `<column>_sealed` (AES-256-GCM with the
-- org's data key, bound to org, table, column and row). New rows write only the sealed twin; the
-- plaintext column becomes nullable and is kept only for rows written before this migration, until
-- `feedback keys seal-legacy` seals them.

CREATE TABLE data_keys (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id),
  -- 'org': the org's key. 'session': reserved for per-session keys (erasing one session by
  -- deleting its key); a destroyed key is a deleted row.
  scope text NOT NULL DEFAULT 'org' CHECK (scope IN ('org', 'session')),
  session_id uuid,
  kek_provider text NOT NULL,
  kek_id text NOT NULL,
  kek_version text NOT NULL,
  algorithm text NOT NULL,
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rewrapped_at timestamptz,
  UNIQUE (org_id, id),
  CHECK ((scope = 'org') = (session_id IS NULL)),
  FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX data_keys_one_per_org ON data_keys (org_id) WHERE scope = 'org';
CREATE UNIQUE INDEX data_keys_one_per_session ON data_keys (org_id, session_id) WHERE scope = 'session';
CREATE INDEX data_keys_kek_idx ON data_keys (kek_id, kek_version);

ALTER TABLE data_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON data_keys USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
-- Re-wrapping (key rotation) changes only the wrap, never the key's id, org or scope.
GRANT SELECT, INSERT, DELETE ON data_keys TO fe_app;
GRANT UPDATE (kek_provider, kek_id, kek_version, algorithm, wrapped_key, rewrapped_at) ON data_keys TO fe_app;

ALTER TABLE sessions ADD COLUMN title_sealed bytea, ALTER COLUMN title DROP NOT NULL,
  ADD CONSTRAINT sessions_title_present CHECK (title IS NOT NULL OR title_sealed IS NOT NULL);
ALTER TABLE participants ADD COLUMN display_name_sealed bytea, ALTER COLUMN display_name DROP NOT NULL,
  ADD CONSTRAINT participants_display_name_present CHECK (display_name IS NOT NULL OR display_name_sealed IS NOT NULL);
ALTER TABLE consents ADD COLUMN method_sealed bytea, ADD COLUMN text_version_sealed bytea,
  ALTER COLUMN method DROP NOT NULL, ALTER COLUMN text_version DROP NOT NULL,
  ADD CONSTRAINT consents_method_present CHECK (method IS NOT NULL OR method_sealed IS NOT NULL),
  ADD CONSTRAINT consents_text_version_present CHECK (text_version IS NOT NULL OR text_version_sealed IS NOT NULL);
ALTER TABLE transcripts ADD COLUMN body_sealed bytea, ALTER COLUMN body DROP NOT NULL,
  ADD CONSTRAINT transcripts_body_present CHECK (body IS NOT NULL OR body_sealed IS NOT NULL);
ALTER TABLE analyses ADD COLUMN body_sealed bytea, ALTER COLUMN body DROP NOT NULL,
  ADD CONSTRAINT analyses_body_present CHECK (body IS NOT NULL OR body_sealed IS NOT NULL);

-- Consents stay append-only for fe_app (no UPDATE grant). Sealing a legacy consent replaces its
-- plaintext by the sealed form of the same text, once, in the caller's org; nothing else changes.
CREATE FUNCTION seal_legacy_consent(p_id uuid, p_method_sealed bytea, p_text_version_sealed bytea) RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    UPDATE consents SET method_sealed = p_method_sealed, text_version_sealed = p_text_version_sealed, method = NULL, text_version = NULL
    WHERE id = p_id AND org_id = app_current_org() AND method_sealed IS NULL AND method IS NOT NULL
      AND p_method_sealed IS NOT NULL AND p_text_version_sealed IS NOT NULL
    RETURNING true
  $$;
REVOKE ALL ON FUNCTION seal_legacy_consent(uuid, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION seal_legacy_consent(uuid, bytea, bytea) TO fe_app;
