-- 008: operators - the people who run the network. A Supabase user whose id is listed here
-- may use the management API (/api/v1/admin/...) and the console; the same JWT as the PWA.
CREATE TABLE operators (
  user_id     UUID PRIMARY KEY,
  note        TEXT,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Server-side table: through the data API only the service role may read or change it.
ALTER TABLE operators ENABLE ROW LEVEL SECURITY;
CREATE POLICY operators_service_all ON operators FOR ALL
  USING (auth.role() = 'service_role') WITH CHECK (auth.role() = 'service_role');
