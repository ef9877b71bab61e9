-- Readiness (/readyz) asks whether the database is migrated as far as the running code. The app role
-- has no access to schema_migrations (0001's bookkeeping stays the owner's); this definer function
-- hands it the applied names only, nothing else.
CREATE FUNCTION applied_migrations()
  RETURNS SETOF text
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$ SELECT name FROM schema_migrations ORDER BY name $$;
REVOKE ALL ON FUNCTION applied_migrations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION applied_migrations() TO fe_app;
