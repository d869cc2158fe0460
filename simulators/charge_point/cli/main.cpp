// evp-cp-sim: the charge point simulator's command line.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <string>

#include "commands.hpp"
#include "common/log.hpp"

namespace {

void usage() {
  std::fputs(
      "usage:\n"
      "  evp-cp-sim scenario --url ws://127.0.0.1:8180/ocpp --id CP001 [--password P] [--tag TAG]\n"
      "                      [--silence SECONDS] [--step-ms MS] [--error-code GroundFailure] [--stay [SECONDS]]\n"
      "                      [--ca-file F | --insecure] [--log-level debug]\n"
      "  evp-cp-sim fleet --url ws://127.0.0.1:8180/ocpp --stations N [--id-prefix SIM]\n"
      "                   --mode idle|heartbeat|mixed|transactions|storm [--rate R] [--duration S]\n"
      "                   [--ramp CONN_PER_S] [--concurrency N] [--server-pid PID] [--password P] [--tag TAG]\n"
      "                   [--call-timeout S] [--source-addresses 127.0.0.1-127.0.0.8] [--heartbeat-stations M]\n"
      "                   [--tag-prefix P (transactions: tag P00001.. per station)] [--stop-log FILE]\n"
      "See docs/SIMULATOR.md.\n",
      stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  const std::string command = argv[1];
  try {
    evp::sim::cli::Args args(argc, argv, 2);
    evp::common::setup_logging(args.str("log-level", "info"));
    int rc;
    if (command == "scenario") {
      rc = evp::sim::cli::run_scenario(args);
    } else if (command == "fleet") {
      rc = evp::sim::cli::run_fleet(args);
    } else {
      usage();
      return 2;
    }
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evp-cp-sim %s: %s\n", command.c_str(), e.what());
    return 2;
  }
}
