-- Outbox claims carry their owner, so that only the process that claimed an item records
-- its outcome, a restarted process takes its own unfinished claims back at once (instead
-- of waiting out the lease), and the lease can be renewed while a slow send is running.
--   claim_owner  the dispatcher instance (PUSH_INSTANCE_NAME; stable across restarts)
--   claim_token  one process run of that instance (random at start)
-- A claim is (claim_token, attempts): an outcome is recorded only while both still match.
ALTER TABLE push_outbox
  ADD COLUMN claim_owner TEXT,
  ADD COLUMN claim_token UUID;

-- Reclaiming at start and renewing leases look rows up by their claimant.
CREATE INDEX push_outbox_claim_idx ON push_outbox (claim_owner, claim_token) WHERE state = 'sending';
