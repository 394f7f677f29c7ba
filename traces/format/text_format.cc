#include "traces/format/text_format.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "models/parse_number.h"

#include <cctype>
#include <limits>
#include <set>
#include <type_traits>
#include <vector>

namespace oopsim::traces {

namespace pb = google::protobuf;

namespace {

bool is_bare_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("_.:/+-@[]<>()~*!?%&^{}|$;'").find(c) != std::string_view::npos;
}

// Canonical spelling of an enum value: lower case, '-' for '_'.
std::string enum_spelling(std::string_view proto_name) {
  std::string s(proto_name);
  for (char& c : s)
    c = (c == '_') ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string field_spelling(std::string_view proto_name) {
  return std::string(proto_name);
}

bool hex_field(const pb::FieldDescriptor* f) {
  return f->name() == "address" || f->name() == "offset";
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void append_string(std::string& out, std::string_view s) {
  bool bare = !s.empty();
  for (char c : s) bare = bare && is_bare_char(c);
  if (bare) {
    out += s;
  } else {
    append_quoted(out, s);
  }
}

void append_value(std::string& out, const pb::Message& m, const pb::FieldDescriptor* f, int index) {
  const pb::Reflection* r = m.GetReflection();
  bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      out += std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      out += std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      out += std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      std::uint64_t v = rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
      out += hex_field(f) ? fmt::format("{:#x}", v) : std::to_string(v);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      out += (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      int v = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      const pb::EnumValueDescriptor* ev = f->enum_type()->FindValueByNumber(v);
      out += ev != nullptr ? enum_spelling(ev->name()) : std::to_string(v);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES) {
        if (s.empty()) {
          out += "\"\"";
        } else {
          for (unsigned char c : s) out += fmt::format("{:02x}", c);
        }
      } else {
        append_string(out, s);
      }
      break;
    }
    default:
      out += "?";
  }
}

// --- parsing ---------------------------------------------------------------------------------

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool at_end() const { return i >= s.size(); }
  char peek() const { return s[i]; }
  void skip_space() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads one list item: a quoted string or a bare word (stops at ',', space, '#').
bool read_item(Cursor& c, std::string& out, bool& quoted, std::string& error) {
  out.clear();
  quoted = false;
  if (!c.at_end() && c.peek() == '"') {
    quoted = true;
    ++c.i;
    while (true) {
      if (c.at_end()) {
        error = "unterminated string";
        return false;
      }
      char ch = c.s[c.i++];
      if (ch == '"') return true;
      if (ch != '\\') {
        out += ch;
        continue;
      }
      if (c.at_end()) {
        error = "unterminated string";
        return false;
      }
      char esc = c.s[c.i++];
      switch (esc) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case '\\':
          out += '\\';
          break;
        case '"':
          out += '"';
          break;
        case 'x': {
          if (c.i + 2 > c.s.size() || hex_digit(c.s[c.i]) < 0 || hex_digit(c.s[c.i + 1]) < 0) {
            error = "bad \\x escape in string";
            return false;
          }
          out += static_cast<char>(hex_digit(c.s[c.i]) * 16 + hex_digit(c.s[c.i + 1]));
          c.i += 2;
          break;
        }
        default:
          error = fmt::format("unknown escape \\{} in string", esc);
          return false;
      }
    }
  }
  while (!c.at_end() && c.peek() != ',' && c.peek() != ' ' && c.peek() != '\t' &&
         c.peek() != '\r' && c.peek() != '#') {
    if (c.peek() == '"' || c.peek() == '=') {
      error = fmt::format("unexpected '{}' in value", c.peek());
      return false;
    }
    out += c.s[c.i++];
  }
  return true;
}

template <typename T>
bool parse_integer(const std::string& text, T& value) {
  if constexpr (std::is_signed_v<T>) {
    auto v = models::parse_i64(text);
    if (!v || *v < std::numeric_limits<T>::min() || *v > std::numeric_limits<T>::max())
      return false;
    value = static_cast<T>(*v);
  } else {
    auto v = models::parse_u64(text);
    if (!v || *v > std::numeric_limits<T>::max()) return false;
    value = static_cast<T>(*v);
  }
  return true;
}

const pb::EnumValueDescriptor* find_enum(const pb::EnumDescriptor* e, const std::string& text) {
  std::string want;
  for (char c : text)
    want += (c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (const auto* v = e->FindValueByName(want)) return v;
  if (e->full_name() == "oopsim.trace.Fault.Type" && want == "NULL") {
    return e->FindValueByName("NULL_CHECK");
  }
  return nullptr;
}

bool set_value(pb::Message& m, const pb::FieldDescriptor* f, const std::string& text, bool quoted,
               std::string& error) {
  const pb::Reflection* r = m.GetReflection();
  bool rep = f->is_repeated();
  auto bad = [&](std::string_view what) {
    error = fmt::format("field '{}': {} '{}'", f->name(), what, text);
    return false;
  };
  bool is_stringy = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING;
  if (quoted && !is_stringy) return bad("expects a number or name, not the string");
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      std::int32_t v;
      if (!parse_integer(text, v)) return bad("not a 32-bit integer:");
      rep ? r->AddInt32(&m, f, v) : r->SetInt32(&m, f, v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      std::int64_t v;
      if (!parse_integer(text, v)) return bad("not a 64-bit integer:");
      rep ? r->AddInt64(&m, f, v) : r->SetInt64(&m, f, v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      std::uint32_t v;
      if (!parse_integer(text, v)) return bad("not an unsigned 32-bit integer:");
      rep ? r->AddUInt32(&m, f, v) : r->SetUInt32(&m, f, v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      std::uint64_t v;
      if (!parse_integer(text, v)) return bad("not an unsigned 64-bit integer:");
      rep ? r->AddUInt64(&m, f, v) : r->SetUInt64(&m, f, v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      if (text != "true" && text != "false") return bad("not true or false:");
      rep ? r->AddBool(&m, f, text == "true") : r->SetBool(&m, f, text == "true");
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* v = find_enum(f->enum_type(), text);
      if (v == nullptr) {
        std::string names;
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          if (f->enum_type()->value(i)->number() == 0) continue;
          names += (names.empty() ? "" : ", ") + enum_spelling(f->enum_type()->value(i)->name());
        }
        error = fmt::format("field '{}': unknown value '{}' (one of: {})", f->name(), text, names);
        return false;
      }
      rep ? r->AddEnum(&m, f, v) : r->SetEnum(&m, f, v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string v = text;
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES && !(quoted && text.empty())) {
        if (quoted || text.size() % 2 != 0) return bad("expects an even number of hex digits:");
        v.clear();
        for (std::size_t i = 0; i < text.size(); i += 2) {
          int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
          if (hi < 0 || lo < 0) return bad("expects hex digits:");
          v += static_cast<char>(hi * 16 + lo);
        }
      }
      rep ? r->AddString(&m, f, v) : r->SetString(&m, f, v);
      return true;
    }
    default:
      error = fmt::format("field '{}' has a type the text form does not support", f->name());
      return false;
  }
}

}  // namespace

TextLine parse_text_line(std::string_view line, trace::TracePacket& packet, std::string& error) {
  packet.Clear();
  Cursor c{line};
  c.skip_space();
  if (c.at_end() || c.peek() == '#') return TextLine::kBlank;
  std::size_t start = c.i;
  while (!c.at_end() && is_bare_char(c.peek())) ++c.i;
  std::string kind(line.substr(start, c.i - start));
  if (c.i < line.size() && line[c.i] != ' ' && line[c.i] != '\t' && line[c.i] != '#' &&
      line[c.i] != '\r') {
    error = fmt::format("unexpected '{}' after packet name '{}'", line[c.i], kind);
    return TextLine::kError;
  }
  const pb::Descriptor* pd = trace::TracePacket::descriptor();
  const pb::FieldDescriptor* which = pd->FindFieldByName(kind);
  if (which == nullptr || which->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    std::string names;
    for (int i = 0; i < pd->field_count(); ++i) names += (i ? ", " : "") + pd->field(i)->name();
    error = fmt::format("unknown packet '{}' (one of: {})", kind, names);
    return TextLine::kError;
  }
  pb::Message* m = packet.GetReflection()->MutableMessage(&packet, which);
  const pb::Descriptor* md = m->GetDescriptor();
  std::set<std::string> seen;
  while (true) {
    c.skip_space();
    if (c.at_end() || c.peek() == '#') break;
    std::size_t key_start = c.i;
    while (!c.at_end() && c.peek() != '=' && c.peek() != ' ' && c.peek() != '\t') ++c.i;
    std::string key(line.substr(key_start, c.i - key_start));
    if (c.at_end() || c.peek() != '=') {
      error = fmt::format("expected field=value, found '{}'", key);
      return TextLine::kError;
    }
    ++c.i;
    std::string proto_key = key;
    for (char& ch : proto_key) ch = (ch == '-') ? '_' : ch;
    const pb::FieldDescriptor* f = md->FindFieldByName(proto_key);
    if (f == nullptr) {
      std::string names;
      for (int i = 0; i < md->field_count(); ++i) names += (i ? ", " : "") + md->field(i)->name();
      error = fmt::format("{} has no field '{}' (fields: {})", kind, key, names);
      return TextLine::kError;
    }
    if (!seen.insert(f->name()).second) {
      error = fmt::format("field '{}' given twice", key);
      return TextLine::kError;
    }
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      error = fmt::format("field '{}' is a message; the text form has no nesting", key);
      return TextLine::kError;
    }
    while (true) {
      std::string item;
      bool quoted = false;
      if (!read_item(c, item, quoted, error)) {
        error = fmt::format("field '{}': {}", key, error);
        return TextLine::kError;
      }
      if (item.empty() && !quoted) {
        error = fmt::format("field '{}' has no value", key);
        return TextLine::kError;
      }
      if (!set_value(*m, f, item, quoted, error)) return TextLine::kError;
      if (!c.at_end() && c.peek() == ',') {
        if (!f->is_repeated()) {
          error = fmt::format("field '{}' takes one value, not a list", key);
          return TextLine::kError;
        }
        ++c.i;
        continue;
      }
      break;
    }
  }
  return TextLine::kPacket;
}

bool print_text_line(const trace::TracePacket& packet, std::string& line, std::string& error) {
  line.clear();
  const pb::Reflection* pr = packet.GetReflection();
  std::vector<const pb::FieldDescriptor*> set;
  pr->ListFields(packet, &set);
  if (!pr->GetUnknownFields(packet).empty()) {
    error = "packet has fields this version does not know; the text form cannot keep them";
    return false;
  }
  if (set.size() != 1) {
    error = set.empty() ? "packet has no content" : "packet has more than one content field";
    return false;
  }
  const pb::Message& m = pr->GetMessage(packet, set[0]);
  if (!m.GetReflection()->GetUnknownFields(m).empty()) {
    error = fmt::format("{} has fields this version does not know; the text form cannot keep them",
                        set[0]->name());
    return false;
  }
  line = set[0]->name();
  std::vector<const pb::FieldDescriptor*> fields;
  m.GetReflection()->ListFields(m, &fields);  // in field-number order
  for (const pb::FieldDescriptor* f : fields) {
    line += ' ';
    line += field_spelling(f->name());
    line += '=';
    if (f->is_repeated()) {
      int n = m.GetReflection()->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        if (i) line += ',';
        append_value(line, m, f, i);
      }
    } else {
      append_value(line, m, f, 0);
    }
  }
  return true;
}

}  // namespace oopsim::traces
