-- 004: REST API: per-event notification preferences and why the server stopped a session.

-- A user's opt-outs, one row per event type they changed (no row = enabled). The push
-- outbox consults push_event_enabled() when it writes a user's rows.
CREATE TABLE notification_preferences (
  user_id     UUID NOT NULL,
  event_type  VARCHAR(40) NOT NULL CHECK (event_type IN (
                'charging_started', 'charging_completed', 'charging_error', 'low_balance_warning',
                'payment_confirmed', 'new_session', 'session_completed', 'station_offline')),
  enabled     BOOLEAN NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (user_id, event_type)
);

ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY;
CREATE POLICY notification_preferences_own ON notification_preferences FOR ALL
  USING (auth.uid() = user_id) WITH CHECK (auth.uid() = user_id);
CREATE POLICY notification_preferences_service_all ON notification_preferences FOR ALL
  USING (auth.role() = 'service_role') WITH CHECK (auth.role() = 'service_role');

-- true unless the user switched this event off. Events without a preference (e.g. the
-- test push) are always enabled.
CREATE FUNCTION push_event_enabled(p_user_id UUID, p_event_type TEXT) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT enabled FROM notification_preferences
                    WHERE user_id = p_user_id AND event_type = p_event_type), true)
$$;

-- Set when the server itself asked the station to stop: 'limit_kwh', 'limit_amount' or
-- 'balance' (the cost so far reached the client's balance).
ALTER TABLE charging_sessions ADD COLUMN auto_stop_reason VARCHAR(20)
  CHECK (auto_stop_reason IN ('limit_kwh', 'limit_amount', 'balance'));
