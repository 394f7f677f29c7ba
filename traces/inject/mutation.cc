#include "traces/inject/mutation.h"

namespace oopsim::inject {

models::FaultInfo Mutation::to_fault_info() const {
  models::FaultInfo info;
  info.type = type;
  // "module:function" names a module's function: the trace keeps the two apart.
  auto colon = symbol.find(':');
  info.symbol = colon == std::string::npos ? symbol : symbol.substr(colon + 1);
  if (colon != std::string::npos) info.module = symbol.substr(0, colon);
  info.offset = offset;
  info.address = address;
  info.before = before;
  info.after = after;
  info.seed = seed;
  return info;
}

}  // namespace oopsim::inject
