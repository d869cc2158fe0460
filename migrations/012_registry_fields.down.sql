-- Rollback of 012_registry_fields.sql.
DROP INDEX IF EXISTS clients_phone_idx;
DROP INDEX IF EXISTS clients_email_idx;
ALTER TABLE connectors DROP COLUMN IF EXISTS connector_type;
ALTER TABLE locations DROP COLUMN IF EXISTS longitude, DROP COLUMN IF EXISTS latitude;
ALTER TABLE owners DROP COLUMN IF EXISTS phone;
