-- Rollback of 009_operator_audit.sql.
DROP TABLE IF EXISTS operator_audit;
