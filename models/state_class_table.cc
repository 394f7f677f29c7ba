#include "models/state_class_table.h"

#include <fmt/format.h>

#include <sstream>
#include <stdexcept>

namespace oopsim::models {

extern const char* const kBuiltinStateClasses;  // generated from models/state_classes.txt

const StateClassTable& StateClassTable::builtin() {
  static const StateClassTable table = [] {
    StateClassTable t;
    std::string error;
    if (!t.add_rows(kBuiltinStateClasses, "models/state_classes.txt", error)) {
      throw std::logic_error(error);  // a bad built-in table is a build defect
    }
    return t;
  }();
  return table;
}

std::optional<ObjectClass> parse_object_class(std::string_view text) {
  if (text == "pointer") return ObjectClass::kPointer;
  if (text == "checked") return ObjectClass::kChecked;
  if (text == "plain") return ObjectClass::kPlain;
  return std::nullopt;
}

bool StateClassTable::add_rows(std::string_view text, std::string_view source, std::string& error) {
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string type, cls, extra;
    if (!(words >> type)) continue;
    if (!(words >> cls) || (words >> extra)) {
      error = fmt::format("{}:{}: expected '<type> <class>'", source, n);
      return false;
    }
    std::optional<ObjectClass> c = parse_object_class(cls);
    if (!c) {
      error = fmt::format("{}:{}: unknown class '{}' (pointer, checked or plain)", source, n, cls);
      return false;
    }
    rows_[type] = *c;
  }
  return true;
}

std::optional<ObjectClass> StateClassTable::find(std::string_view type) const {
  auto it = rows_.find(type);
  if (it == rows_.end()) return std::nullopt;
  return it->second;
}

Outcome reader_outcome(ObjectClass cls) {
  switch (cls) {
    case ObjectClass::kPointer:
      return Outcome::kOopsAgain;
    case ObjectClass::kChecked:
      return Outcome::kDetectError;
    case ObjectClass::kPlain:
      return Outcome::kSurvivedInconsistent;
  }
  return Outcome::kSurvivedInconsistent;
}

}  // namespace oopsim::models
