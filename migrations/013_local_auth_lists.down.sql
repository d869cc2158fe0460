-- Rollback of 013_local_auth_lists.sql.
DROP TABLE IF EXISTS station_local_lists;
