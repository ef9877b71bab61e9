-- A desktop sign-in deletes its user's refresh tokens whose family has ended (absolute lifetime
-- passed): they can sign nobody in, and reuse detection needs them only while the family lives.
GRANT DELETE ON refresh_tokens TO fe_app;
