-- Rollback of 004_api.sql.
ALTER TABLE charging_sessions DROP COLUMN IF EXISTS auto_stop_reason;
DROP FUNCTION IF EXISTS push_event_enabled(UUID, TEXT);
DROP TABLE IF EXISTS notification_preferences;
