-- 003: durable Web Push outbox. A notification becomes one row per subscription, written
-- in the same transaction as the event that causes it; the dispatcher (push/src/delivery)
-- claims due rows with FOR UPDATE SKIP LOCKED under a lease and records each outcome.
-- States: pending -> sending -> sent | failed | expired (pending again after a retryable
-- failure). A row left in 'sending' whose lease ran out belongs to a crashed process and
-- is claimed again.

CREATE TABLE push_outbox (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- A deleted subscription (unsubscribe, 404/410 from the push service) drops its items.
  subscription_id  UUID NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
  user_id          UUID NOT NULL,
  user_type        VARCHAR(10) NOT NULL CHECK (user_type IN ('client', 'owner')),
  event_type       TEXT NOT NULL,
  payload          JSONB NOT NULL,
  urgency          VARCHAR(8) NOT NULL DEFAULT 'normal'
                   CHECK (urgency IN ('very-low', 'low', 'normal', 'high')),
  topic            TEXT,
  ttl              INTEGER NOT NULL CHECK (ttl >= 0),
  state            VARCHAR(8) NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'expired')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  locked_until     TIMESTAMPTZ,
  last_status      INTEGER,
  last_error       TEXT,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  sent_at          TIMESTAMPTZ
);

-- The claim query reads only due rows; partial indexes keep it cheap however much
-- history (sent/failed rows) accumulates.
CREATE INDEX push_outbox_due_idx ON push_outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX push_outbox_lease_idx ON push_outbox (locked_until, id) WHERE state = 'sending';
-- ON DELETE CASCADE from push_subscriptions looks rows up by subscription.
CREATE INDEX push_outbox_subscription_idx ON push_outbox (subscription_id);

-- Server-side table: on Supabase nobody but the service role (and the owner the server
-- connects as, which bypasses RLS) may read it through the data API.
ALTER TABLE push_outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY push_outbox_service_all ON push_outbox FOR ALL
  USING (auth.role() = 'service_role') WITH CHECK (auth.role() = 'service_role');
