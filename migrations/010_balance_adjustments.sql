-- 010: balance adjustments by operators - a credit or debit with a reason, written as a
-- ledger row (kind 'adjustment', reference = the adjustment's id). The id is the caller's
-- idempotency key: the same adjustment sent twice moves money once.
CREATE TABLE balance_adjustments (
  id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  client_id   UUID NOT NULL REFERENCES clients(id),
  amount      NUMERIC(12,2) NOT NULL CHECK (amount <> 0),
  reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  operator_id UUID NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX balance_adjustments_client_idx ON balance_adjustments (client_id, created_at DESC);

-- Server-side table: through the data API only the service role may read or change it.
ALTER TABLE balance_adjustments ENABLE ROW LEVEL SECURITY;
CREATE POLICY balance_adjustments_service_all ON balance_adjustments FOR ALL
  USING (auth.role() = 'service_role') WITH CHECK (auth.role() = 'service_role');
