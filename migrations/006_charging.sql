-- 006: sessions that always end, plausible energy only, balances held by running sessions,
-- revenue that is what drivers were charged. The charging module (charging/) is the only
-- writer of transactions, charging_sessions, clients.balance and balance_ledger.

-- How a transaction ended and what it was billed.
--   end_reason: 'stopped' (StopTransaction), 'superseded' (a new StartTransaction on the same
--               connector while it was still active), 'swept' (no sign of life for too long)
--   billing:    'charged' (a ledger debit exists), 'free' (nothing to charge: price or energy 0),
--               'unpaid' (energy delivered but no driver to charge: unknown tag),
--               'suspect' (energy physically impossible: not charged, waits for review)
ALTER TABLE transactions
  ADD COLUMN end_reason VARCHAR(12) CHECK (end_reason IN ('stopped', 'superseded', 'swept')),
  ADD COLUMN billing VARCHAR(8) CHECK (billing IN ('charged', 'free', 'unpaid', 'suspect')),
  ADD COLUMN review_reason TEXT,
  ADD COLUMN superseded_by INTEGER REFERENCES transactions(id),
  -- Server time of the last sign of life of the transaction (its start, a MeterValues of it):
  -- the sweeper closes transactions silent for longer than CHARGING_STALE_TRANSACTION_AFTER.
  ADD COLUMN last_activity_at TIMESTAMPTZ NOT NULL DEFAULT now();
UPDATE transactions SET end_reason = 'stopped',
       billing = CASE WHEN amount IS NULL OR amount = 0 THEN 'free'
                      WHEN client_id IS NULL THEN 'unpaid' ELSE 'charged' END
 WHERE status = 'completed';
CREATE INDEX transactions_stale_idx ON transactions(last_activity_at) WHERE status = 'active';
CREATE INDEX transactions_review_idx ON transactions(stop_timestamp DESC) WHERE review_reason IS NOT NULL;

-- A running session holds part of its driver's balance from the start (reserved_amount), so
-- parallel sessions cannot each spend the whole balance. station_answer is what the station
-- said to RemoteStartTransaction ('Accepted', 'Rejected', 'no_answer', ...); pending_until is
-- when a pending session the station has not started gives up.
ALTER TABLE charging_sessions
  ADD COLUMN reserved_amount NUMERIC(12,2) NOT NULL DEFAULT 0 CHECK (reserved_amount >= 0),
  ADD COLUMN station_answer VARCHAR(16),
  ADD COLUMN pending_until TIMESTAMPTZ;
CREATE INDEX charging_sessions_running_idx ON charging_sessions(client_id) WHERE status IN ('pending', 'active');

-- Largest power a connector can deliver (W); NULL = the configured default
-- (CHARGING_MAX_POWER_KW). Energy above this power times the duration is physically impossible.
ALTER TABLE connectors ADD COLUMN max_power_w INTEGER CHECK (max_power_w > 0);
