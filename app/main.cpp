// Placeholder composition root; the real one wires db, push, ocpp and api.
#include <cstdio>

int main() {
  std::puts("evpower: not wired yet");
  return 1;
}
