#!/usr/bin/env node
// An independent OCPP 1.6J charge point (the `ocpp-rpc` package in strict mode: every
// request it sends and every response it receives is validated against the official
// OCPP 1.6 JSON schemas) that runs a complete session against a central system and exits
// non-zero on any schema-rejected response, CALLERROR or unexpected error.
//
// usage: node ocpp_strict_client.js [--url ws://127.0.0.1:8180/ocpp] [--id NODE-STRICT-1]
//                                   [--password P] [--tag TAG]
// (or OCPP_URL, OCPP_ID, OCPP_PASSWORD, OCPP_TAG in the environment)
'use strict';

const { RPCClient } = require('ocpp-rpc');

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[envName] || fallback;
}

const url = option('url', 'OCPP_URL', 'ws://127.0.0.1:8180/ocpp');
const identity = option('id', 'OCPP_ID', `NODE-STRICT-${process.pid}`);
const password = option('password', 'OCPP_PASSWORD', '');
const idTag = option('tag', 'OCPP_TAG', 'NODETAG1');

const failures = [];
const now = () => new Date().toISOString();

const client = new RPCClient({
  endpoint: url,
  identity,
  password: password || undefined,
  protocols: ['ocpp1.6'],
  strictMode: true,
  reconnect: false,
  callTimeoutMs: 15000,
});

client.on('strictValidationFailure', (event) => {
  const what = event.outbound ? 'our own message' : 'the central system\'s message';
  failures.push(`schema rejected ${what}: ${event.error && event.error.message}`);
  console.error('strictValidationFailure:', JSON.stringify(event, (k, v) => (v instanceof Error ? v.message : v)));
});

// Central system -> station: answered the way a station would, also schema-checked.
const transactions = new Map();  // transactionId -> connectorId
client.handle('RemoteStartTransaction', ({ params }) => ({ status: 'Accepted' }));
client.handle('RemoteStopTransaction', ({ params }) => ({
  status: transactions.has(params.transactionId) ? 'Accepted' : 'Rejected',
}));
client.handle('Reset', () => ({ status: 'Accepted' }));
client.handle('ChangeAvailability', () => ({ status: 'Accepted' }));
client.handle('ChangeConfiguration', () => ({ status: 'Accepted' }));
client.handle('GetConfiguration', () => ({
  configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
}));
client.handle('UnlockConnector', () => ({ status: 'Unlocked' }));
client.handle('TriggerMessage', () => ({ status: 'Accepted' }));
client.handle('ClearCache', () => ({ status: 'Accepted' }));
client.handle('DataTransfer', () => ({ status: 'UnknownVendorId' }));
client.handle(({ method }) => {
  console.log(`unhandled call from central system: ${method}`);
  const { createRPCError } = require('ocpp-rpc');
  throw createRPCError('NotImplemented');
});

async function step(name, method, params, check) {
  const t0 = Date.now();
  let result;
  try {
    result = await client.call(method, params);
  } catch (err) {
    failures.push(`${name}: ${err.rpcErrorCode || err.name}: ${err.message}`);
    console.error(`FAIL ${name}: ${err.rpcErrorCode || err.name}: ${err.message}`);
    return undefined;
  }
  console.log(`ok   ${name.padEnd(44)} ${JSON.stringify(result)} (${Date.now() - t0} ms)`);
  if (check) {
    const problem = check(result);
    if (problem) failures.push(`${name}: ${problem}`);
  }
  return result;
}

async function main() {
  console.log(`connecting to ${url}/${identity} (strict mode)`);
  await client.connect();

  await step('BootNotification', 'BootNotification', {
    chargePointVendor: 'NodeReference', chargePointModel: 'ocpp-rpc-strict', firmwareVersion: '1.0',
  }, (r) => (r.status === 'Accepted' ? null : `status ${r.status}, expected Accepted (auto-registration on?)`));
  await step('Heartbeat', 'Heartbeat', {});
  await step('StatusNotification 1 Available', 'StatusNotification', {
    connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now(),
  });
  await step('Authorize', 'Authorize', { idTag });
  await step('StatusNotification 1 Preparing', 'StatusNotification', {
    connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: now(),
  });
  const start = await step('StartTransaction', 'StartTransaction', {
    connectorId: 1, idTag, meterStart: 1000, timestamp: now(),
  });
  const transactionId = start ? start.transactionId : 0;
  transactions.set(transactionId, 1);
  await step('StatusNotification 1 Charging', 'StatusNotification', {
    connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: now(),
  });
  for (const wh of [2000, 3500]) {
    await step(`MeterValues ${wh} Wh`, 'MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{
        timestamp: now(),
        sampledValue: [
          { value: String(wh), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: '7.2', measurand: 'Power.Active.Import', unit: 'kW' },
        ],
      }],
    });
  }
  await step('StopTransaction', 'StopTransaction', {
    transactionId, idTag, meterStop: 4000, timestamp: now(), reason: 'Local',
    transactionData: [{ timestamp: now(), sampledValue: [{ value: '4000', unit: 'Wh' }] }],
  });
  transactions.delete(transactionId);
  await step('StatusNotification 1 Faulted GroundFailure', 'StatusNotification', {
    connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', timestamp: now(),
    info: 'simulated fault', vendorErrorCode: 'E42',
  });
  await step('StatusNotification 1 Available', 'StatusNotification', {
    connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now(),
  });
  await step('DataTransfer', 'DataTransfer', { vendorId: 'NodeReference', messageId: 'ping', data: 'x' });
  await step('DiagnosticsStatusNotification', 'DiagnosticsStatusNotification', { status: 'Idle' });
  await step('FirmwareStatusNotification', 'FirmwareStatusNotification', { status: 'Idle' });

  await client.close({ code: 1000 });
}

const watchdog = setTimeout(() => {
  console.error('FAIL: no completion within 60 s');
  process.exit(1);
}, 60000);

main().then(() => {
  clearTimeout(watchdog);
  if (failures.length) {
    console.error(`\n${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('\nall responses valid against the OCPP 1.6 schemas');
  process.exit(0);
}, (err) => {
  clearTimeout(watchdog);
  console.error(`FAIL: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
