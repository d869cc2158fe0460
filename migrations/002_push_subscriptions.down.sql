DROP FUNCTION IF EXISTS cleanup_stale_push_subscriptions();
DROP TABLE IF EXISTS push_subscriptions;
DROP FUNCTION IF EXISTS push_subscriptions_touch_updated_at();
-- auth.uid()/auth.role() are left in place: on Supabase they are not ours to drop.
