-- Rollback of 008_operators.sql.
DROP TABLE IF EXISTS operators;
