// Every call the central system sends in OCPP 1.6 (the six profiles), with the fields of its
// payload as the specification defines them. The form builds the payload; the operator can
// still edit the JSON before it goes out (POST .../calls/{action} checks it against the
// action's schema before anything is sent).
export const TRIGGERABLE = ['BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification',
  'Heartbeat', 'MeterValues', 'StatusNotification'];

// type: int | text | enum | datetime | json | list (comma-separated strings)
export const COMMANDS = [
  { action: 'RemoteStartTransaction', profile: 'Core', fields: [
    { name: 'idTag', type: 'text', required: true, placeholder: 'e.g. 04A1B2C3' },
    { name: 'connectorId', type: 'int' },
    { name: 'chargingProfile', type: 'json' }] },
  { action: 'RemoteStopTransaction', profile: 'Core', interrupts: 'stops the charging session', fields: [
    { name: 'transactionId', type: 'int', required: true }] },
  { action: 'Reset', profile: 'Core', interrupts: 'restarts the station and ends any session on it', fields: [
    { name: 'type', type: 'enum', options: ['Soft', 'Hard'], required: true }] },
  { action: 'ChangeAvailability', profile: 'Core', interrupts: 'can take connectors out of service', fields: [
    { name: 'connectorId', type: 'int', required: true, value: '0', hint: '0 = the whole station' },
    { name: 'type', type: 'enum', options: ['Inoperative', 'Operative'], required: true }] },
  { action: 'ChangeConfiguration', profile: 'Core', fields: [
    { name: 'key', type: 'text', required: true }, { name: 'value', type: 'text', required: true, keepEmpty: true }] },
  { action: 'GetConfiguration', profile: 'Core', fields: [
    { name: 'key', type: 'list', hint: 'comma-separated; empty = all keys' }] },
  { action: 'UnlockConnector', profile: 'Core', interrupts: 'releases the cable and stops a session on the connector',
    fields: [{ name: 'connectorId', type: 'int', required: true, value: '1' }] },
  { action: 'ClearCache', profile: 'Core', fields: [] },
  { action: 'DataTransfer', profile: 'Core', fields: [
    { name: 'vendorId', type: 'text', required: true, value: 'EvPower' }, { name: 'messageId', type: 'text' },
    { name: 'data', type: 'text' }] },
  { action: 'UpdateFirmware', profile: 'Firmware Management', fields: [
    { name: 'location', type: 'text', required: true, placeholder: 'https://...' },
    { name: 'retrieveDate', type: 'datetime', required: true }, { name: 'retries', type: 'int' },
    { name: 'retryInterval', type: 'int' }] },
  { action: 'GetDiagnostics', profile: 'Firmware Management', fields: [
    { name: 'location', type: 'text', required: true, placeholder: 'ftp://...' }, { name: 'retries', type: 'int' },
    { name: 'retryInterval', type: 'int' }, { name: 'startTime', type: 'datetime' }, { name: 'stopTime', type: 'datetime' }] },
  { action: 'SendLocalList', profile: 'Local Auth List', fields: [
    { name: 'listVersion', type: 'int', required: true, value: '1' },
    { name: 'updateType', type: 'enum', options: ['Full', 'Differential'], required: true },
    { name: 'localAuthorizationList', type: 'json', placeholder: '[{"idTag":"04A1B2C3","idTagInfo":{"status":"Accepted"}}]' }] },
  { action: 'GetLocalListVersion', profile: 'Local Auth List', fields: [] },
  { action: 'ReserveNow', profile: 'Reservation', fields: [
    { name: 'connectorId', type: 'int', required: true, value: '1' }, { name: 'expiryDate', type: 'datetime', required: true },
    { name: 'idTag', type: 'text', required: true }, { name: 'parentIdTag', type: 'text' },
    { name: 'reservationId', type: 'int', required: true, value: '1' }] },
  { action: 'CancelReservation', profile: 'Reservation', fields: [
    { name: 'reservationId', type: 'int', required: true }] },
  { action: 'SetChargingProfile', profile: 'Smart Charging', fields: [
    { name: 'connectorId', type: 'int', required: true, value: '1' },
    { name: 'csChargingProfiles', type: 'json', required: true,
      placeholder: '{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}}' }] },
  { action: 'ClearChargingProfile', profile: 'Smart Charging', fields: [
    { name: 'id', type: 'int' }, { name: 'connectorId', type: 'int' },
    { name: 'chargingProfilePurpose', type: 'enum', options: ['', 'ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile'] },
    { name: 'stackLevel', type: 'int' }] },
  { action: 'GetCompositeSchedule', profile: 'Smart Charging', fields: [
    { name: 'connectorId', type: 'int', required: true, value: '1' },
    { name: 'duration', type: 'int', required: true, value: '3600' },
    { name: 'chargingRateUnit', type: 'enum', options: ['', 'A', 'W'] }] },
  { action: 'TriggerMessage', profile: 'Remote Trigger', fields: [
    { name: 'requestedMessage', type: 'enum', options: TRIGGERABLE, required: true }, { name: 'connectorId', type: 'int' }] },
];

export function command(action) { return COMMANDS.find((c) => c.action === action); }

/// The payload from the form's text values; throws Error naming the field that is wrong.
export function payloadOf(cmd, vals) {
  const out = {};
  for (const f of cmd.fields) {
    const raw = vals[f.name] ?? '';
    if (raw === '' && !f.keepEmpty) {
      if (f.required) throw new Error(`${f.name} is required`);
      continue;
    }
    if (f.type === 'int') {
      if (!/^-?\d+$/.test(raw)) throw new Error(`${f.name} must be a whole number`);
      out[f.name] = Number(raw);
    } else if (f.type === 'json') {
      try { out[f.name] = JSON.parse(raw); } catch { throw new Error(`${f.name} must be JSON`); }
    } else if (f.type === 'list') {
      out[f.name] = raw.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (f.type === 'datetime') {
      const d = new Date(raw);
      if (Number.isNaN(d.getTime())) throw new Error(`${f.name} must be a date and time`);
      out[f.name] = d.toISOString();
    } else {
      out[f.name] = raw;
    }
  }
  return out;
}
