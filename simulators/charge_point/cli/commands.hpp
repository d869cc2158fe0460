#pragma once
// Subcommands of evp-cp-sim.
#include "args.hpp"

namespace evp::sim::cli {

/// One station through the scripted scenario; returns the exit code.
int run_scenario(const Args& args);
/// N stations from one process; the benchmark. Returns the exit code.
int run_fleet(const Args& args);

}  // namespace evp::sim::cli
