-- Rollback of 007_outbox_claims.sql.
DROP INDEX IF EXISTS push_outbox_claim_idx;
ALTER TABLE push_outbox DROP COLUMN IF EXISTS claim_token, DROP COLUMN IF EXISTS claim_owner;
