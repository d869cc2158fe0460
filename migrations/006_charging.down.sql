-- Rollback of 006_charging.sql.
ALTER TABLE connectors DROP COLUMN IF EXISTS max_power_w;
DROP INDEX IF EXISTS charging_sessions_running_idx;
ALTER TABLE charging_sessions DROP COLUMN IF EXISTS pending_until, DROP COLUMN IF EXISTS station_answer,
  DROP COLUMN IF EXISTS reserved_amount;
DROP INDEX IF EXISTS transactions_review_idx;
DROP INDEX IF EXISTS transactions_stale_idx;
ALTER TABLE transactions DROP COLUMN IF EXISTS last_activity_at, DROP COLUMN IF EXISTS superseded_by,
  DROP COLUMN IF EXISTS review_reason, DROP COLUMN IF EXISTS billing, DROP COLUMN IF EXISTS end_reason;
