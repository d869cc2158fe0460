#pragma once
/// Every OCPP 1.6 message type (convenience include for handlers and the simulator).
#include "ocpp/messages/core.hpp"
#include "ocpp/messages/firmware.hpp"
#include "ocpp/messages/local_auth_list.hpp"
#include "ocpp/messages/registry.hpp"
#include "ocpp/messages/remote_trigger.hpp"
#include "ocpp/messages/reservation.hpp"
#include "ocpp/messages/smart_charging.hpp"
