#include "models/state_class_table.h"

#include <fmt/format.h>

#include "models/table_rows.h"

namespace oopsim::models {

extern const char* const kBuiltinStateClasses;  // generated from models/state_classes.txt

const StateClassTable& StateClassTable::builtin() {
  return builtin_table<StateClassTable>(kBuiltinStateClasses, "models/state_classes.txt");
}

std::optional<ObjectClass> parse_object_class(std::string_view text) {
  if (text == "pointer") return ObjectClass::kPointer;
  if (text == "checked") return ObjectClass::kChecked;
  if (text == "plain") return ObjectClass::kPlain;
  return std::nullopt;
}

bool StateClassTable::add_rows(std::string_view text, std::string_view source, std::string& error) {
  return read_table_rows(
      text, source,
      [&](const std::vector<std::string>& w) -> std::string {
        if (w.size() != 2) return "expected '<type> <class>'";
        std::optional<ObjectClass> c = parse_object_class(w[1]);
        if (!c) return fmt::format("unknown class '{}' (pointer, checked or plain)", w[1]);
        rows_[w[0]] = *c;
        return "";
      },
      error);
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
