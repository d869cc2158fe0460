-- 013: the Local Authorization List the server sends each station (SendLocalList), built
-- from id_tags. `version` and `entries` are the list the station last accepted (idTag ->
-- idTagInfo), the base a Differential update is computed from; the last_* columns say
-- what happened to the newest attempt, accepted or not.
CREATE TABLE station_local_lists (
  station_id        VARCHAR(48) PRIMARY KEY REFERENCES stations(id) ON DELETE CASCADE,
  version           INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
  entries           JSONB NOT NULL DEFAULT '{}'::jsonb,
  accepted_at       TIMESTAMPTZ,
  -- Every number sent is used once, accepted or not: a station that applied a list whose
  -- answer was lost must not see the same version with other contents.
  last_version_sent INTEGER NOT NULL DEFAULT 0,
  last_update_type  VARCHAR(12) CHECK (last_update_type IN ('Full', 'Differential')),
  -- The station's status (Accepted, Failed, NotSupported, VersionMismatch) or why there was
  -- no answer (offline, timeout, call_error, invalid_response).
  last_status       VARCHAR(20),
  last_audit_id     BIGINT,
  last_sent_at      TIMESTAMPTZ
);

-- Server-side table: through the data API only the service role may read or change it.
ALTER TABLE station_local_lists ENABLE ROW LEVEL SECURITY;
CREATE POLICY station_local_lists_service_all ON station_local_lists FOR ALL
  USING (auth.role() = 'service_role') WITH CHECK (auth.role() = 'service_role');
