-- 011: one database round trip per transaction message, and reservations.
--
-- StartTransaction, StopTransaction and MeterValues each become one call of a function below,
-- sent as one statement (autocommit: the statement is the transaction, committed with fsync
-- before the answer goes out). The charging module (charging/) stays the only caller; the
-- functions are its SQL, kept here so that everything one message changes happens in one
-- round trip instead of up to a dozen.
--
-- Notifications: the texts come from push/events.hpp. The charging module renders each
-- notification there with fixed stand-ins for what only the database knows (the session id,
-- the station's label, energy, money, balance) and passes the rendered payloads; evp_render()
-- puts the real values in (charging/src/notes.cpp names the same stand-ins).

-- ---- reservations (OCPP ReserveNow / CancelReservation) -----------------------------------
-- A reservation is recorded when a station answers ReserveNow with Accepted (the same id on
-- the same station replaces it, as the station itself does), cancelled on an Accepted
-- CancelReservation, expired after expiry_date (the sweeper), and used by the
-- StartTransaction that carries its id.
CREATE TABLE reservations (
  station_id     VARCHAR(48) NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  id             INTEGER NOT NULL,  -- OCPP reservationId
  connector_id   INTEGER NOT NULL CHECK (connector_id >= 0),  -- 0: any connector of the station
  id_tag         VARCHAR(20) NOT NULL,
  parent_id_tag  VARCHAR(20),
  expiry_date    TIMESTAMPTZ NOT NULL,
  status         VARCHAR(10) NOT NULL DEFAULT 'reserved'
                 CHECK (status IN ('reserved', 'used', 'cancelled', 'expired')),
  transaction_id INTEGER REFERENCES transactions(id),
  created_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (station_id, id)
);
CREATE INDEX reservations_open_idx ON reservations(expiry_date) WHERE status = 'reserved';

ALTER TABLE reservations ENABLE ROW LEVEL SECURITY;
CREATE POLICY reservations_service_all ON reservations FOR ALL
  USING (auth.role() = 'service_role') WITH CHECK (auth.role() = 'service_role');

-- ---- shared pieces ------------------------------------------------------------------------

-- An id tag as Authorize, StartTransaction and StopTransaction answer it: unknown -> no row;
-- Blocked/Expired/Invalid as stored; Accepted past its expiry -> Expired; Accepted while the
-- tag has another active transaction (not `p_own`, not one its station lost: its connector
-- was reported Available since) -> ConcurrentTx, when `p_check_concurrent`.
CREATE FUNCTION evp_tag(p_tag TEXT, p_check_concurrent BOOLEAN, p_own INTEGER)
RETURNS TABLE (status TEXT, expiry TEXT, parent_id_tag TEXT, client_id UUID)
LANGUAGE sql STABLE AS $$
  SELECT CASE
           WHEN i.status = 'Accepted' AND i.expiry_date IS NOT NULL AND i.expiry_date <= now() THEN 'Expired'
           WHEN i.status = 'Accepted' AND p_check_concurrent AND EXISTS (
                  SELECT 1 FROM transactions t
                   WHERE lower(t.id_tag) = lower(i.id_tag) AND t.status = 'active' AND t.id <> p_own
                     AND NOT EXISTS (SELECT 1 FROM connectors oc
                                      WHERE oc.station_id = t.station_id AND oc.connector_id = t.connector_id
                                        AND oc.status = 'Available' AND oc.updated_at > t.last_activity_at))
             THEN 'ConcurrentTx'
           WHEN i.status IN ('Accepted', 'Blocked', 'Expired') THEN i.status
           ELSE 'Invalid' END,
         to_char(i.expiry_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         i.parent_id_tag, i.client_id
    FROM id_tags i WHERE lower(i.id_tag) = lower(p_tag)
$$;

-- What driver `p_client` has tied up in running sessions other than `p_self`: for each
-- pending or active session, its reservation or what it consumed so far, whichever is more.
-- Clamped so that absurd meter readings cannot overflow.
CREATE FUNCTION evp_held_by_sessions(p_client UUID, p_self UUID) RETURNS NUMERIC
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(greatest(o.reserved_amount,
           coalesce(round(least(greatest(coalesce(ot.meter_last, ot.meter_start) - ot.meter_start, 0), 1e12)::numeric
                          * ot.price_per_kwh / 1000, 2), 0))), 0)
    FROM charging_sessions o LEFT JOIN transactions ot ON ot.id = o.transaction_id AND ot.status = 'active'
   WHERE o.client_id = p_client AND o.status IN ('pending', 'active') AND o.id IS DISTINCT FROM p_self
$$;

-- push/events.hpp's format_kwh: Wh -> kWh with two decimals, half up.
CREATE FUNCTION evp_kwh_text(p_wh BIGINT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_wh < 0 AND h <> 0 THEN '-' ELSE '' END || div(h, 100)::text || '.' || lpad(mod(h, 100)::text, 2, '0')
    FROM (SELECT div(abs(p_wh::numeric) + 5, 10) AS h) a
$$;

-- charging/src/rules.cpp's check_energy, for the close below (the charging tests hold both to
-- the same cases): energy above max power over the duration plus one minute is implausible.
CREATE FUNCTION evp_allowed_wh(p_duration_s BIGINT, p_max_power_w BIGINT) RETURNS BIGINT
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN ws > 9223372036854775807 OR ws < -9223372036854775808 OR secs > 9223372036854775807
              THEN 9223372036854775807 ELSE trunc(ws / 3600)::bigint END
    FROM (SELECT greatest(p_duration_s, 0)::numeric + 60 AS secs) a,
         LATERAL (SELECT p_max_power_w::numeric * a.secs AS ws) b
$$;

-- A notification rendered by push/events.hpp with stand-ins, completed with the real values.
-- The label (a station's display name, user input) is JSON-escaped and put in last, so
-- nothing in it is taken for a stand-in.
CREATE FUNCTION evp_render(p_text TEXT, p_session UUID, p_label TEXT, p_kwh TEXT, p_amount TEXT, p_balance TEXT)
RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT replace(replace(replace(replace(replace(replace(p_text,
           '5e5510e0-0000-4000-8000-000000000000', coalesce(p_session::text, '')),
           '5e5510e0000040008000000000000000', coalesce(replace(p_session::text, '-', ''), '')),
           '919191919191.91', coalesce(p_kwh, '')),
           '8282828282828.28', coalesce(p_amount, '')),
           '7373737373737.37', coalesce(p_balance, '')),
           '\u001fstation\u001f', coalesce(substr(to_json(p_label)::text, 2, length(to_json(p_label)::text) - 2), ''))
$$;

-- push's outbox insert (push/src/delivery/outbox.cpp) for a rendered notification `p_note`
-- ({type, payload, urgency, topic}): one row per subscription of the user, none for an
-- event the user turned off; a payload too large for one record is stored as failed.
CREATE FUNCTION evp_enqueue(p_user UUID, p_user_type TEXT, p_note JSONB, p_ttl INTEGER, p_session UUID,
                            p_label TEXT, p_kwh TEXT, p_amount TEXT, p_balance TEXT) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  v_payload TEXT;
  v_state TEXT := 'pending';
  v_error TEXT;
  v_rows INTEGER;
BEGIN
  IF p_user IS NULL OR p_note IS NULL THEN RETURN 0; END IF;
  v_payload := evp_render(p_note->>'payload', p_session, p_label, p_kwh, p_amount, p_balance);
  IF octet_length(v_payload) > 3993 THEN
    v_state := 'failed';
    v_error := 'payload is ' || octet_length(v_payload) || ' bytes; at most 3993 fit one 4096-byte aes128gcm record';
  END IF;
  -- As push/src/delivery/outbox.cpp inserts: created_at is the insert time (clock_timestamp()),
  -- where the commit -> request-sent latency (evp_push_commit_to_send_seconds) starts.
  INSERT INTO push_outbox (subscription_id, user_id, user_type, event_type, payload, urgency, topic, ttl, state,
                           last_error, created_at)
  SELECT s.id, s.user_id, s.user_type, p_note->>'type', v_payload::jsonb, coalesce(nullif(p_note->>'urgency', ''), 'normal'),
         nullif(evp_render(coalesce(p_note->>'topic', ''), p_session, NULL, NULL, NULL, NULL), ''), p_ttl, v_state, v_error,
         clock_timestamp()
    FROM push_subscriptions s
   WHERE s.user_id = p_user AND s.user_type = p_user_type AND push_event_enabled(s.user_id, p_note->>'type');
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN CASE WHEN v_state = 'pending' THEN v_rows ELSE 0 END;
END $$;

-- Sampled values of one message, in one INSERT.
CREATE FUNCTION evp_store_samples(p_station TEXT, p_connector INTEGER, p_tx INTEGER, p_ts TIMESTAMPTZ[],
                                  p_measurand TEXT[], p_phase TEXT[], p_unit TEXT[], p_context TEXT[],
                                  p_location TEXT[], p_format TEXT[], p_value TEXT[]) RETURNS VOID
LANGUAGE sql AS $$
  INSERT INTO meter_values (station_id, connector_id, transaction_id, timestamp, measurand, phase, unit, context,
                            location, format, value)
  SELECT p_station, p_connector, p_tx, u.ts, coalesce(u.measurand, 'Energy.Active.Import.Register'), u.phase, u.unit,
         u.context, u.location, u.format, u.value
    FROM unnest(p_ts, p_measurand, p_phase, p_unit, p_context, p_location, p_format, p_value)
         AS u(ts, measurand, phase, unit, context, location, format, value)
$$;

-- ---- closing a transaction ------------------------------------------------------------------
-- StopTransaction, a newer start on the connector (superseded) and the sweeper close a
-- transaction the caller has locked with one set of rules: plausible energy, one charge through
-- the ledger, the session completed, both parties notified, low balance warned once a day.
-- `p_stop_ts` NULL: now (the sweeper). `p_notes` NULL: push disabled. Returns a line for the log
-- and the number of outbox rows written.
CREATE FUNCTION evp_close_transaction(p_tx INTEGER, p_meter_stop BIGINT, p_stop_ts TIMESTAMPTZ, p_stop_reason TEXT,
                                      p_stop_tag TEXT, p_end_reason TEXT, p_superseded_by INTEGER,
                                      p_max_power_w BIGINT, p_low_threshold NUMERIC, p_ttl INTEGER, p_notes JSONB,
                                      OUT o_outcome TEXT, OUT o_enqueued INTEGER)
LANGUAGE plpgsql AS $$
DECLARE
  t RECORD;
  v_energy BIGINT := 0;
  v_allowed BIGINT;
  v_cost NUMERIC;
  v_billing TEXT;
  v_review TEXT;
  v_charged NUMERIC := 0;
  v_balance NUMERIC;
  v_kwh TEXT;
BEGIN
  o_enqueued := 0;
  SELECT tr.meter_start, tr.price_per_kwh, coalesce(cs.client_id, tr.client_id) AS client_id, tr.station_id,
         extract(epoch FROM (coalesce(p_stop_ts, now()) - tr.start_timestamp))::bigint AS duration_s,
         coalesce(c.max_power_w, p_max_power_w) AS max_power_w,
         coalesce(nullif(s.display_name, ''), s.id) AS label, l.user_id AS owner_id, cs.id AS session_id
    INTO t
    FROM transactions tr
    JOIN stations s ON s.id = tr.station_id
    LEFT JOIN locations l ON l.id = s.location_id
    LEFT JOIN connectors c ON c.station_id = tr.station_id AND c.connector_id = tr.connector_id
    LEFT JOIN charging_sessions cs ON cs.transaction_id = tr.id
   WHERE tr.id = p_tx;
  IF NOT FOUND THEN RAISE EXCEPTION 'transaction % vanished', p_tx; END IF;

  IF p_meter_stop < t.meter_start THEN
    -- Meters do not run backwards: a reset or swapped meter. Counting it would refund energy.
    INSERT INTO station_events (station_id, kind, detail)
    VALUES (t.station_id, 'meter_backwards', jsonb_build_object('transaction_id', p_tx, 'meter_start', t.meter_start,
                                                                 'meter_stop', p_meter_stop, 'source', 'StopTransaction'));
  ELSE
    v_energy := p_meter_stop - t.meter_start;
  END IF;

  v_allowed := evp_allowed_wh(t.duration_s, t.max_power_w);
  v_cost := round(v_energy::numeric * t.price_per_kwh / 1000, 2);
  IF v_energy > v_allowed OR abs(v_cost) > 9999999999.99 THEN
    v_billing := 'suspect';
    v_review := 'energy ' || v_energy || ' Wh in ' || t.duration_s || ' s exceeds ' || t.max_power_w ||
                ' W (at most ' || v_allowed || ' Wh)';
    v_cost := NULL;
    INSERT INTO station_events (station_id, kind, detail)
    VALUES (t.station_id, 'suspect_session',
            jsonb_build_object('transaction_id', p_tx, 'energy_wh', v_energy, 'duration_s', t.duration_s,
                               'max_power_w', t.max_power_w, 'allowed_wh', v_allowed, 'meter_start', t.meter_start,
                               'meter_stop', p_meter_stop));
  ELSIF v_cost = 0 THEN
    v_billing := 'free';
  ELSIF t.client_id IS NULL THEN
    v_billing := 'unpaid';  -- energy delivered to a tag that belongs to nobody: no one to charge
    INSERT INTO station_events (station_id, kind, detail)
    VALUES (t.station_id, 'unpaid_session',
            jsonb_build_object('transaction_id', p_tx, 'energy_wh', v_energy, 'amount', v_cost::text));
  ELSE
    v_billing := 'charged';
  END IF;
  IF p_end_reason = 'swept' THEN v_review := 'no sign of life: closed at the last known meter reading'; END IF;
  IF p_end_reason <> 'stopped' THEN
    INSERT INTO station_events (station_id, kind, detail)
    VALUES (t.station_id, 'transaction_' || p_end_reason,
            jsonb_build_object('transaction_id', p_tx, 'meter_stop', p_meter_stop, 'superseded_by', p_superseded_by));
  END IF;

  UPDATE transactions
     SET meter_stop = p_meter_stop, stop_timestamp = coalesce(p_stop_ts, now()), stop_reason = p_stop_reason,
         stop_id_tag = p_stop_tag, energy_wh = v_energy, amount = v_cost, status = 'completed',
         end_reason = p_end_reason, billing = v_billing, review_reason = v_review, superseded_by = p_superseded_by,
         client_id = coalesce(client_id, t.client_id), updated_at = now()
   WHERE id = p_tx;
  UPDATE charging_sessions SET status = 'completed', updated_at = now() WHERE transaction_id = p_tx;

  IF v_billing = 'charged' THEN
    -- The ledger row is the "exactly once" guard: (kind, reference) is unique and the balance
    -- moves only when the row was inserted. The client row is locked first, so the balance
    -- read here is current.
    PERFORM 1 FROM clients WHERE id = t.client_id FOR UPDATE;
    WITH l AS (
      INSERT INTO balance_ledger (client_id, amount, kind, reference, balance_after)
      SELECT c.id, -v_cost, 'session', p_tx::text, c.balance - v_cost FROM clients c WHERE c.id = t.client_id
      ON CONFLICT (kind, reference) DO NOTHING
      RETURNING balance_after)
    UPDATE clients c SET balance = l.balance_after, updated_at = now() FROM l WHERE c.id = t.client_id
    RETURNING c.balance INTO v_balance;
    IF FOUND THEN v_charged := v_cost; END IF;
  END IF;

  o_outcome := v_energy || ' Wh, ' || v_billing || coalesce(' ' || v_cost::text || ' som', '');
  IF v_billing = 'suspect' OR t.session_id IS NULL OR p_notes IS NULL THEN RETURN; END IF;
  v_kwh := evp_kwh_text(v_energy);
  o_enqueued := o_enqueued + evp_enqueue(t.client_id, 'client', p_notes->'charging_completed', p_ttl, t.session_id,
                                         t.label, v_kwh, round(v_charged, 2)::text, NULL);
  -- The owner's income is what a driver was charged: an unpaid session earned nothing.
  o_enqueued := o_enqueued + evp_enqueue(t.owner_id, 'owner', p_notes->'session_completed', p_ttl, t.session_id,
                                         t.label, v_kwh, round(v_charged, 2)::text, NULL);
  IF t.client_id IS NOT NULL AND v_charged <> 0 THEN
    UPDATE clients SET low_balance_notified_at = now()
     WHERE id = t.client_id AND balance < p_low_threshold
       AND (low_balance_notified_at IS NULL OR low_balance_notified_at <= now() - interval '24 hours')
    RETURNING balance INTO v_balance;
    IF FOUND THEN
      o_enqueued := o_enqueued + evp_enqueue(t.client_id, 'client', p_notes->'low_balance_warning', p_ttl, NULL,
                                             NULL, NULL, NULL, v_balance::text);
    END IF;
  END IF;
END $$;

-- ---- StartTransaction -----------------------------------------------------------------------
-- The transaction row (a replay - same station, connector, idTag, meterStart, timestamp -
-- lands on the existing one), older active transactions of the connector closed
-- (superseded), the driver-facing session (the one the app opened, or a new one), the
-- reservation it consumes, the id tag's answer, charging_started / new_session.
-- o_tx NULL: the station is not registered.
CREATE FUNCTION evp_start_transaction(p_station TEXT, p_connector INTEGER, p_tag TEXT, p_meter_start BIGINT,
                                      p_ts TIMESTAMPTZ, p_reservation INTEGER, p_max_power_w BIGINT,
                                      p_low_threshold NUMERIC, p_ttl INTEGER, p_notes JSONB,
                                      OUT o_tx INTEGER, OUT o_replay BOOLEAN, OUT o_status TEXT, OUT o_expiry TEXT,
                                      OUT o_parent TEXT, OUT o_superseded INTEGER[], OUT o_enqueued INTEGER,
                                      OUT o_reservation TEXT)
LANGUAGE plpgsql AS $$
DECLARE
  v_tag_client UUID;
  v_inserted BOOLEAN;
  v_older RECORD;
  v_closed RECORD;
  v_session UUID;
  v_client UUID;
  v_app BOOLEAN := false;
  v_label TEXT;
  v_owner UUID;
  r RECORD;
BEGIN
  o_superseded := '{}';
  o_enqueued := 0;
  SELECT i.client_id INTO v_tag_client FROM id_tags i WHERE lower(i.id_tag) = lower(p_tag);
  -- The no-op update makes RETURNING yield a replayed row's id; xmax = 0 only for a fresh row.
  INSERT INTO transactions AS t (station_id, connector_id, id_tag, client_id, reservation_id, meter_start,
                                 start_timestamp, price_per_kwh)
  SELECT p_station, p_connector, p_tag, v_tag_client, p_reservation, p_meter_start, p_ts, s.price_per_kwh
    FROM stations s WHERE s.id = p_station
  ON CONFLICT ON CONSTRAINT transactions_replay_key DO UPDATE SET updated_at = t.updated_at
  RETURNING t.id, (t.xmax = 0) INTO o_tx, v_inserted;
  IF o_tx IS NULL THEN RETURN; END IF;
  o_replay := NOT v_inserted;

  IF NOT o_replay THEN
    -- A connector runs one transaction at a time: one still active was never stopped.
    FOR v_older IN SELECT id, coalesce(meter_last, meter_start) AS meter FROM transactions
                    WHERE station_id = p_station AND connector_id = p_connector AND status = 'active' AND id <> o_tx
                    ORDER BY id FOR UPDATE LOOP
      SELECT * INTO v_closed FROM evp_close_transaction(v_older.id, v_older.meter, p_ts, 'Other', NULL, 'superseded',
                                                        o_tx, p_max_power_w, p_low_threshold, p_ttl, p_notes);
      o_enqueued := o_enqueued + v_closed.o_enqueued;
      o_superseded := o_superseded || v_older.id;
    END LOOP;
    -- The session the app opened for this connector and tag (RemoteStartTransaction), or a
    -- new one for a charge started at the station.
    UPDATE charging_sessions SET status = 'active', transaction_id = o_tx, updated_at = now()
     WHERE id = (SELECT id FROM charging_sessions
                  WHERE station_id = p_station AND connector_id = p_connector AND lower(id_tag) = lower(p_tag)
                    AND status = 'pending'
                  ORDER BY created_at DESC LIMIT 1 FOR UPDATE)
    RETURNING id, client_id INTO v_session, v_client;
    IF FOUND THEN
      v_app := true;
    ELSE
      INSERT INTO charging_sessions (client_id, station_id, connector_id, id_tag, status, transaction_id)
      VALUES (v_tag_client, p_station, p_connector, p_tag, 'active', o_tx) RETURNING id, client_id
      INTO v_session, v_client;
    END IF;
  ELSE
    SELECT pending_until IS NOT NULL INTO v_app FROM charging_sessions WHERE transaction_id = o_tx;
    v_app := coalesce(v_app, false);
  END IF;

  -- A tag may not run two transactions at once - unless the central system itself asked for
  -- this one (RemoteStartTransaction from the app). The transaction itself never counts.
  SELECT * INTO r FROM evp_tag(p_tag, NOT v_app, o_tx);
  IF FOUND THEN
    o_status := r.status; o_expiry := r.expiry; o_parent := r.parent_id_tag;
  ELSE
    o_status := 'Invalid';
  END IF;
  IF o_replay THEN RETURN; END IF;  -- the same id: no second session, no second notification

  IF p_reservation IS NOT NULL THEN
    o_reservation := evp_use_reservation(p_station, p_connector, p_tag, o_parent, p_reservation, p_ts, o_tx);
  END IF;
  IF v_client IS NOT NULL AND v_client IS DISTINCT FROM v_tag_client THEN
    UPDATE transactions SET client_id = v_client WHERE id = o_tx;
  END IF;

  IF o_status <> 'Accepted' OR p_notes IS NULL THEN RETURN; END IF;
  SELECT coalesce(nullif(s.display_name, ''), s.id), l.user_id INTO v_label, v_owner
    FROM stations s LEFT JOIN locations l ON l.id = s.location_id WHERE s.id = p_station;
  o_enqueued := o_enqueued + evp_enqueue(v_client, 'client', p_notes->'charging_started', p_ttl, v_session, v_label,
                                         NULL, NULL, NULL);
  o_enqueued := o_enqueued + evp_enqueue(v_owner, 'owner', p_notes->'new_session', p_ttl, v_session, v_label,
                                         NULL, NULL, NULL);
END $$;

-- The reservation a StartTransaction names: used by this transaction when it is the
-- station's, still open, not past its expiry, for this connector (or connector 0) and this
-- tag (or its parent). Otherwise the start goes ahead all the same (the station decided) and
-- the operator sees why the reservation did not match. Returns 'used' or the reason.
CREATE FUNCTION evp_use_reservation(p_station TEXT, p_connector INTEGER, p_tag TEXT, p_parent TEXT,
                                    p_reservation INTEGER, p_ts TIMESTAMPTZ, p_tx INTEGER) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
  v RECORD;
  v_reason TEXT;
BEGIN
  SELECT * INTO v FROM reservations WHERE station_id = p_station AND id = p_reservation FOR UPDATE;
  IF NOT FOUND THEN
    v_reason := 'unknown';
  ELSIF v.status <> 'reserved' THEN
    v_reason := v.status;
  ELSIF v.expiry_date < least(p_ts, now()) THEN
    v_reason := 'expired';
  ELSIF v.connector_id <> 0 AND v.connector_id <> p_connector THEN
    v_reason := 'other_connector';
  ELSIF lower(v.id_tag) <> lower(p_tag) AND (v.parent_id_tag IS NULL OR p_parent IS NULL
                                             OR lower(v.parent_id_tag) <> lower(p_parent)) THEN
    v_reason := 'other_tag';
  END IF;
  IF v_reason IS NULL THEN
    UPDATE reservations SET status = 'used', transaction_id = p_tx, updated_at = now()
     WHERE station_id = p_station AND id = p_reservation;
    RETURN 'used';
  END IF;
  INSERT INTO station_events (station_id, kind, detail)
  VALUES (p_station, 'reservation_mismatch',
          jsonb_build_object('reservation_id', p_reservation, 'transaction_id', p_tx, 'connector_id', p_connector,
                             'id_tag', p_tag, 'reason', v_reason));
  RETURN v_reason;
END $$;

-- ---- StopTransaction ------------------------------------------------------------------------
-- The stop's id tag answered; an unknown transaction recorded; a replay of a completed stop
-- changes nothing; transactionData stored; a stop of a transaction the central system closed
-- already (superseded, swept) recorded as late; otherwise closed as above.
CREATE FUNCTION evp_stop_transaction(p_station TEXT, p_tx INTEGER, p_meter_stop BIGINT, p_ts TIMESTAMPTZ,
                                     p_reason TEXT, p_tag TEXT, p_ts_text TEXT,
                                     p_s_ts TIMESTAMPTZ[], p_s_measurand TEXT[], p_s_phase TEXT[], p_s_unit TEXT[],
                                     p_s_context TEXT[], p_s_location TEXT[], p_s_format TEXT[], p_s_value TEXT[],
                                     p_max_power_w BIGINT, p_low_threshold NUMERIC, p_ttl INTEGER, p_notes JSONB,
                                     OUT o_known BOOLEAN, OUT o_status TEXT, OUT o_expiry TEXT, OUT o_parent TEXT,
                                     OUT o_outcome TEXT, OUT o_enqueued INTEGER)
LANGUAGE plpgsql AS $$
DECLARE
  t RECORD;
  r RECORD;
  v_closed RECORD;
BEGIN
  o_enqueued := 0;
  IF p_tag IS NOT NULL THEN
    SELECT * INTO r FROM evp_tag(p_tag, false, 0);
    o_known := FOUND;
    IF FOUND THEN o_status := r.status; o_expiry := r.expiry; o_parent := r.parent_id_tag;
    ELSE o_status := 'Invalid'; END IF;
  END IF;
  SELECT status, coalesce(end_reason, 'stopped') AS ended, meter_stop, connector_id INTO t
    FROM transactions WHERE id = p_tx AND station_id = p_station FOR UPDATE;
  IF NOT FOUND THEN
    -- Stations replay stops of transactions the central system never saw. Answer normally so
    -- the station can drop it from its queue; keep it visible to the operator.
    o_outcome := 'unknown transaction';
    INSERT INTO station_events (station_id, kind, detail)
    VALUES (p_station, 'unknown_transaction_stop',
            jsonb_strip_nulls(jsonb_build_object('transactionId', p_tx, 'meterStop', p_meter_stop,
                                                 'timestamp', p_ts_text, 'reason', p_reason, 'idTag', p_tag)));
    RETURN;
  END IF;
  IF t.status <> 'active' AND t.ended = 'stopped' THEN
    o_outcome := 'already completed (replay)';
    RETURN;
  END IF;
  IF cardinality(p_s_value) > 0 THEN
    PERFORM evp_store_samples(p_station, t.connector_id, p_tx, p_s_ts, p_s_measurand, p_s_phase, p_s_unit,
                              p_s_context, p_s_location, p_s_format, p_s_value);
  END IF;
  IF t.status <> 'active' THEN
    -- Closed already (superseded or swept) at the last reading known, charged once; the
    -- station's own stop arrives late. The operator sees what the station says.
    o_outcome := 'already closed (' || t.ended || '), late stop recorded';
    INSERT INTO station_events (station_id, kind, detail)
    VALUES (p_station, 'late_stop', jsonb_build_object('transaction_id', p_tx, 'meter_stop', p_meter_stop,
                                                       'closed_at_meter', t.meter_stop, 'closed_as', t.ended));
    RETURN;
  END IF;
  SELECT * INTO v_closed FROM evp_close_transaction(p_tx, p_meter_stop, p_ts, p_reason, p_tag, 'stopped', NULL,
                                                    p_max_power_w, p_low_threshold, p_ttl, p_notes);
  o_outcome := v_closed.o_outcome;
  o_enqueued := v_closed.o_enqueued;
END $$;

-- ---- MeterValues ----------------------------------------------------------------------------
-- Every sampled value stored; the energy register (readings, oldest first) advances the active
-- transaction - a lower reading is kept only as a meter_backwards event - and is a sign of
-- life. When the register moved, returns what the stop rules (charging/src/rules.hpp
-- limit_reached) need: energy so far, price, the session's limits, whether a stop is under
-- way, and the driver's available balance for this session.
CREATE FUNCTION evp_meter_values(p_station TEXT, p_connector INTEGER, p_tx INTEGER,
                                 p_s_ts TIMESTAMPTZ[], p_s_measurand TEXT[], p_s_phase TEXT[], p_s_unit TEXT[],
                                 p_s_context TEXT[], p_s_location TEXT[], p_s_format TEXT[], p_s_value TEXT[],
                                 p_read_ts TEXT[], p_read_wh BIGINT[],
                                 OUT o_moved BOOLEAN, OUT o_backwards INTEGER, OUT o_energy BIGINT,
                                 OUT o_price TEXT, OUT o_limit_kwh TEXT, OUT o_limit_amount TEXT,
                                 OUT o_stop_requested BOOLEAN, OUT o_available TEXT)
LANGUAGE plpgsql AS $$
DECLARE
  t RECORD;
  v_last BIGINT;
  v_before BIGINT;
  i INTEGER;
BEGIN
  o_moved := false;
  o_backwards := 0;
  IF cardinality(p_s_value) > 0 THEN
    PERFORM evp_store_samples(p_station, p_connector, p_tx, p_s_ts, p_s_measurand, p_s_phase, p_s_unit, p_s_context,
                              p_s_location, p_s_format, p_s_value);
  END IF;
  IF p_tx IS NULL THEN RETURN; END IF;
  SELECT meter_start, meter_last INTO t FROM transactions
   WHERE id = p_tx AND station_id = p_station AND status = 'active' FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;  -- unknown or finished: values stored, nothing to count
  v_last := coalesce(t.meter_last, t.meter_start);
  v_before := v_last;
  FOR i IN 1 .. coalesce(cardinality(p_read_wh), 0) LOOP
    IF p_read_wh[i] < v_last THEN
      -- Meters do not run backwards (a reset, a swapped meter): kept only as evidence.
      o_backwards := o_backwards + 1;
      INSERT INTO station_events (station_id, kind, detail)
      VALUES (p_station, 'meter_backwards', jsonb_build_object('transaction_id', p_tx, 'reading_wh', p_read_wh[i],
                                                               'last_wh', v_last, 'timestamp', p_read_ts[i],
                                                               'source', 'MeterValues'));
    ELSE
      v_last := p_read_wh[i];
    END IF;
  END LOOP;
  -- Any MeterValues of the transaction is a sign of life (the sweeper leaves it alone).
  UPDATE transactions SET meter_last = v_last, last_activity_at = now(), updated_at = now() WHERE id = p_tx;
  IF v_last = v_before THEN RETURN; END IF;
  o_moved := true;
  o_energy := v_last - t.meter_start;
  SELECT cs.limit_kwh::text, cs.limit_amount::text, cs.stop_requested_at IS NOT NULL, tr.price_per_kwh::text,
         CASE WHEN c.id IS NULL THEN NULL
              ELSE greatest(least(c.balance - evp_held_by_sessions(c.id, cs.id), 1e13), -1e13)::numeric(16,2)::text END
    INTO o_limit_kwh, o_limit_amount, o_stop_requested, o_price, o_available
    FROM transactions tr LEFT JOIN charging_sessions cs ON cs.transaction_id = tr.id
    LEFT JOIN clients c ON c.id = coalesce(cs.client_id, tr.client_id) WHERE tr.id = p_tx;
END $$;

-- ---- a session opened from the app (REST start) ---------------------------------------------
-- The driver's own id tag (`p_new_tag` created on first use), the connector serialised, the
-- available balance decided with the client row locked, a pending session the station never
-- started released, the connector checked free, and the pending session holding its share of
-- the balance: what rules::reservation computes (the charging tests hold the two to the same
-- cases). o_error: client_not_found, tag_taken (`p_new_tag` exists: try another),
-- insufficient_balance, connector_busy, station_not_found; nothing is opened then.
CREATE FUNCTION evp_open_session(p_client UUID, p_station TEXT, p_connector INTEGER, p_limit_kwh NUMERIC,
                                 p_limit_amount NUMERIC, p_min NUMERIC, p_pending_s BIGINT, p_new_tag TEXT,
                                 OUT o_error TEXT, OUT o_id_tag TEXT, OUT o_session UUID, OUT o_reserved TEXT,
                                 OUT o_available TEXT)
LANGUAGE plpgsql AS $$
DECLARE
  v_available NUMERIC;
  v_price NUMERIC;
  v_want NUMERIC;
BEGIN
  -- One open session per connector: concurrent starts on it are decided one after the other.
  PERFORM pg_advisory_xact_lock(hashtext(p_station || '/' || p_connector));
  SELECT greatest(least(c.balance - evp_held_by_sessions(c.id, NULL), 1e13), -1e13)::numeric(16,2)
    INTO v_available FROM clients c WHERE c.id = p_client FOR UPDATE;
  IF NOT FOUND THEN o_error := 'client_not_found'; RETURN; END IF;
  SELECT id_tag INTO o_id_tag FROM id_tags
   WHERE client_id = p_client AND status = 'Accepted' AND (expiry_date IS NULL OR expiry_date > now())
   ORDER BY created_at LIMIT 1;
  IF NOT FOUND THEN
    INSERT INTO id_tags (id_tag, client_id) VALUES (p_new_tag, p_client) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN o_error := 'tag_taken'; RETURN; END IF;
    o_id_tag := p_new_tag;
  END IF;
  o_available := v_available::text;
  IF v_available < p_min OR v_available <= 0 THEN o_error := 'insufficient_balance'; RETURN; END IF;

  -- A pending session the station never started no longer holds the connector.
  UPDATE charging_sessions SET status = 'failed', updated_at = now(),
         failure_reason = coalesce(failure_reason, 'the station did not start the session in time')
   WHERE station_id = p_station AND connector_id = p_connector AND status = 'pending' AND pending_until < now();
  IF EXISTS (SELECT 1 FROM charging_sessions cs
              WHERE cs.station_id = p_station AND cs.connector_id = p_connector AND cs.status IN ('pending', 'active')
                AND (cs.transaction_id IS NULL OR NOT EXISTS (
                       SELECT 1 FROM transactions t
                        WHERE t.id = cs.transaction_id
                          AND EXISTS (SELECT 1 FROM connectors oc
                                       WHERE oc.station_id = t.station_id AND oc.connector_id = t.connector_id
                                         AND oc.status = 'Available' AND oc.updated_at > t.last_activity_at)))) THEN
    o_error := 'connector_busy';
    RETURN;
  END IF;
  SELECT price_per_kwh INTO v_price FROM stations WHERE id = p_station;
  IF NOT FOUND THEN o_error := 'station_not_found'; RETURN; END IF;

  v_want := p_min;
  IF p_limit_amount IS NOT NULL THEN
    v_want := p_limit_amount;
  ELSIF p_limit_kwh IS NOT NULL AND abs(p_limit_kwh * 1000 * v_price * 100) <= 9223372036854775807 THEN
    v_want := round(p_limit_kwh * v_price, 2);
  END IF;
  o_reserved := least(greatest(v_want, 0), greatest(v_available, 0))::numeric(16,2)::text;
  INSERT INTO charging_sessions (client_id, station_id, connector_id, id_tag, limit_kwh, limit_amount, reserved_amount,
                                 pending_until)
  VALUES (p_client, p_station, p_connector, o_id_tag, p_limit_kwh, p_limit_amount, o_reserved::numeric,
          now() + make_interval(secs => p_pending_s))
  RETURNING id INTO o_session;
END $$;
