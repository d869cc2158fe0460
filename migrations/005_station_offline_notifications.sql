-- 005: throttling of station_offline pushes. An owner gets one push per offline episode,
-- and not more often than the configured interval (STATION_OFFLINE_NOTIFY_INTERVAL) for a
-- station that flaps.
ALTER TABLE stations ADD COLUMN offline_notified_at TIMESTAMPTZ;
