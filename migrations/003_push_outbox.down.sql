DROP TABLE IF EXISTS push_outbox;
