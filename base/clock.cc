#include "base/clock.h"

namespace cg {

RealClock& RealClock::Instance() {
  static RealClock clock;
  return clock;
}

}  // namespace cg
