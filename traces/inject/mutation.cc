#include "traces/inject/mutation.h"

namespace oopsim::inject {

models::FaultInfo Mutation::to_fault_info() const {
  models::FaultInfo info;
  info.type = type;
  info.symbol = symbol;
  info.offset = offset;
  info.address = address;
  info.before = before;
  info.after = after;
  info.seed = seed;
  return info;
}

}  // namespace oopsim::inject
