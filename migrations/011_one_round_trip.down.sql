-- Rollback of 011_one_round_trip.sql.
DROP FUNCTION IF EXISTS evp_open_session(UUID, TEXT, INTEGER, NUMERIC, NUMERIC, NUMERIC, BIGINT, TEXT);
DROP FUNCTION IF EXISTS evp_meter_values(TEXT, INTEGER, INTEGER, TIMESTAMPTZ[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[],
                                         TEXT[], TEXT[], TEXT[], BIGINT[]);
DROP FUNCTION IF EXISTS evp_stop_transaction(TEXT, INTEGER, BIGINT, TIMESTAMPTZ, TEXT, TEXT, TEXT, TIMESTAMPTZ[], TEXT[],
                                             TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], BIGINT, NUMERIC, INTEGER,
                                             JSONB);
DROP FUNCTION IF EXISTS evp_use_reservation(TEXT, INTEGER, TEXT, TEXT, INTEGER, TIMESTAMPTZ, INTEGER);
DROP FUNCTION IF EXISTS evp_start_transaction(TEXT, INTEGER, TEXT, BIGINT, TIMESTAMPTZ, INTEGER, BIGINT, NUMERIC,
                                              INTEGER, JSONB);
DROP FUNCTION IF EXISTS evp_close_transaction(INTEGER, BIGINT, TIMESTAMPTZ, TEXT, TEXT, TEXT, INTEGER, BIGINT, NUMERIC,
                                              INTEGER, JSONB);
DROP FUNCTION IF EXISTS evp_store_samples(TEXT, INTEGER, INTEGER, TIMESTAMPTZ[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[],
                                          TEXT[], TEXT[]);
DROP FUNCTION IF EXISTS evp_enqueue(UUID, TEXT, JSONB, INTEGER, UUID, TEXT, TEXT, TEXT, TEXT);
DROP FUNCTION IF EXISTS evp_render(TEXT, UUID, TEXT, TEXT, TEXT, TEXT);
DROP FUNCTION IF EXISTS evp_allowed_wh(BIGINT, BIGINT);
DROP FUNCTION IF EXISTS evp_kwh_text(BIGINT);
DROP FUNCTION IF EXISTS evp_held_by_sessions(UUID, UUID);
DROP FUNCTION IF EXISTS evp_tag(TEXT, BOOLEAN, INTEGER);
DROP TABLE IF EXISTS reservations;
