ALTER TABLE stations DROP COLUMN IF EXISTS offline_notified_at;
