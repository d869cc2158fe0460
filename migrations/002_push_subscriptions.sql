-- 002: Web Push subscriptions, as in the original plan (SPEC §5).
-- Row level security uses Supabase's auth.uid()/auth.role(); on plain PostgreSQL the
-- same functions are created here (reading the request.jwt.claim.* settings the way
-- Supabase/PostgREST does), and only when they do not exist already, so Supabase's own
-- definitions are never replaced.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = 'auth' AND p.proname = 'uid') THEN
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$
      SELECT nullif(coalesce(current_setting('request.jwt.claim.sub', true),
                             nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'), '')::uuid
    $f$;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = 'auth' AND p.proname = 'role') THEN
    CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $f$
      SELECT nullif(coalesce(current_setting('request.jwt.claim.role', true),
                             nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'), '')::text
    $f$;
  END IF;
END
$$;

CREATE TABLE push_subscriptions (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       UUID NOT NULL,
  user_type     VARCHAR(10) NOT NULL CHECK (user_type IN ('client', 'owner')),
  endpoint      TEXT NOT NULL,
  p256dh_key    TEXT NOT NULL,
  auth_key      TEXT NOT NULL,
  user_agent    TEXT,
  created_at    TIMESTAMPTZ DEFAULT NOW(),
  updated_at    TIMESTAMPTZ DEFAULT NOW(),
  last_used_at  TIMESTAMPTZ,
  UNIQUE (user_id, endpoint)
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions(user_id, user_type);
CREATE INDEX push_subscriptions_endpoint_idx ON push_subscriptions(endpoint);
CREATE INDEX push_subscriptions_last_used_idx ON push_subscriptions(last_used_at);

CREATE FUNCTION push_subscriptions_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := NOW();
  RETURN NEW;
END
$$;
CREATE TRIGGER push_subscriptions_updated_at BEFORE UPDATE ON push_subscriptions
  FOR EACH ROW EXECUTE FUNCTION push_subscriptions_touch_updated_at();

ALTER TABLE push_subscriptions ENABLE ROW LEVEL SECURITY;
-- Clients and owners manage their own rows; the service role manages all.
CREATE POLICY push_subscriptions_own_select ON push_subscriptions FOR SELECT USING (auth.uid() = user_id);
CREATE POLICY push_subscriptions_own_insert ON push_subscriptions FOR INSERT WITH CHECK (auth.uid() = user_id);
CREATE POLICY push_subscriptions_own_update ON push_subscriptions FOR UPDATE
  USING (auth.uid() = user_id) WITH CHECK (auth.uid() = user_id);
CREATE POLICY push_subscriptions_own_delete ON push_subscriptions FOR DELETE USING (auth.uid() = user_id);
CREATE POLICY push_subscriptions_service_all ON push_subscriptions FOR ALL
  USING (auth.role() = 'service_role') WITH CHECK (auth.role() = 'service_role');

-- Removes subscriptions unused for more than 90 days (never used: created more than 90
-- days ago). Returns how many were removed.
CREATE FUNCTION cleanup_stale_push_subscriptions() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  removed integer;
BEGIN
  DELETE FROM push_subscriptions
   WHERE coalesce(last_used_at, created_at) < NOW() - INTERVAL '90 days';
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END
$$;
