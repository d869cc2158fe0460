-- 009: the operators' audit log - every call an operator sends to a station through the
-- management API: who, when, which station, the request and what came back. The row is
-- written before the call goes out (outcome 'sent') and completed with the outcome, so a
-- crash in between still leaves a record of a command that may have reached the station.
CREATE TABLE operator_audit (
  id           BIGSERIAL PRIMARY KEY,
  operator_id  UUID NOT NULL,
  station_id   TEXT NOT NULL,
  action       TEXT NOT NULL,
  request      JSONB NOT NULL,
  -- sent: not completed (in flight, or the server stopped first); answered: the station's
  -- CALLRESULT is in `response`; the others say why there is no answer (error says more).
  outcome      TEXT NOT NULL DEFAULT 'sent' CHECK (outcome IN
                 ('sent', 'answered', 'call_error', 'timeout', 'offline', 'invalid_response')),
  response     JSONB,
  error        TEXT,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  completed_at TIMESTAMPTZ
);
CREATE INDEX operator_audit_station_idx ON operator_audit (station_id, id DESC);

-- Server-side table: through the data API only the service role may read or change it.
ALTER TABLE operator_audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator_audit_service_all ON operator_audit FOR ALL
  USING (auth.role() = 'service_role') WITH CHECK (auth.role() = 'service_role');
