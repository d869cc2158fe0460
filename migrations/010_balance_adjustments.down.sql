-- Rollback of 010_balance_adjustments.sql (the ledger rows of adjustments stay).
DROP TABLE IF EXISTS balance_adjustments;
