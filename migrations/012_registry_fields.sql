-- 012: what the operators' console edits in the registry beyond 001: an owner's phone, a
-- location's coordinates (WGS 84 degrees, for a map) and a connector's plug type. A
-- connector's maximum power (max_power_w, 006) was already there.
ALTER TABLE owners ADD COLUMN phone TEXT;
ALTER TABLE locations
  ADD COLUMN latitude  NUMERIC(9,6) CHECK (latitude BETWEEN -90 AND 90),
  ADD COLUMN longitude NUMERIC(9,6) CHECK (longitude BETWEEN -180 AND 180);
-- Free text as operators name plugs (Type2, CCS2, CHAdeMO, GB/T ...); OCPP 1.6 has no such field.
ALTER TABLE connectors ADD COLUMN connector_type VARCHAR(20);
-- The console searches drivers by email and phone.
CREATE INDEX clients_email_idx ON clients (lower(email));
CREATE INDEX clients_phone_idx ON clients (phone);
