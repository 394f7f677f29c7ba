#include "traces/import/ftrace_line.h"

#include <cctype>

#include "models/parse_number.h"

namespace oopsim::traces {

std::optional<std::uint64_t> parse_number(std::string_view text) {
  return models::parse_u64(text, 0);
}

std::optional<std::uint64_t> parse_seconds_us(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto secs = parse_number(text.substr(0, dot));
  std::string_view frac = text.substr(dot + 1);
  if (!secs || frac.empty() || frac.size() > 9) return std::nullopt;
  std::uint64_t f = 0;
  for (char c : frac) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    f = f * 10 + static_cast<std::uint64_t>(c - '0');
  }
  for (std::size_t i = frac.size(); i < 6; ++i) f *= 10;
  for (std::size_t i = 6; i < frac.size(); ++i) f /= 10;
  return *secs * 1'000'000 + f;
}

bool parse_ftrace_line(std::string_view line, FtraceLine& out) {
  // Find " [ddd] " — the cpu column; what is left of it is "comm-pid".
  std::size_t open = std::string_view::npos;
  for (std::size_t i = line.find(" ["); i != std::string_view::npos; i = line.find(" [", i + 1)) {
    std::size_t close = line.find(']', i + 2);
    if (close == std::string_view::npos) return false;
    std::string_view cpu = line.substr(i + 2, close - i - 2);
    bool digits = !cpu.empty();
    for (char c : cpu) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) {
      open = i;
      break;
    }
  }
  if (open == std::string_view::npos) return false;
  std::string_view left = line.substr(0, open);
  while (!left.empty() && left.front() == ' ') left.remove_prefix(1);
  while (!left.empty() && left.back() == ' ') left.remove_suffix(1);
  auto dash = left.rfind('-');
  if (dash == std::string_view::npos) return false;
  auto pid = parse_number(left.substr(dash + 1));
  if (!pid) return false;
  out.comm = std::string(left.substr(0, dash));
  out.pid = static_cast<int>(*pid);
  std::size_t close = line.find(']', open);
  out.cpu = static_cast<int>(*parse_number(line.substr(open + 2, close - open - 2)));
  std::string_view rest = line.substr(close + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  // Flags (e.g. "d.h2."), then the timestamp ending in ':'.
  auto space = rest.find(' ');
  if (space == std::string_view::npos) return false;
  std::string_view flags = rest.substr(0, space);
  out.irq = flags.size() >= 3 ? flags[2] : '.';
  if (out.irq != 'h' && out.irq != 's' && out.irq != 'H') out.irq = '.';
  rest = rest.substr(space);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  auto colon = rest.find(": ");
  if (colon == std::string_view::npos) return false;
  auto t = parse_seconds_us(rest.substr(0, colon));
  if (!t) return false;
  out.time_us = *t;
  rest = rest.substr(colon + 2);
  auto ecolon = rest.find(':');
  if (ecolon == std::string_view::npos) return false;
  out.event = std::string(rest.substr(0, ecolon));
  rest = rest.substr(ecolon + 1);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  out.payload = std::string(rest);
  return true;
}

std::optional<std::string_view> payload_field(std::string_view payload, std::string_view key) {
  for (std::size_t at = payload.find(key); at != std::string_view::npos;
       at = payload.find(key, at + 1)) {
    if ((at == 0 || payload[at - 1] == ' ') && at + key.size() < payload.size() &&
        payload[at + key.size()] == '=') {
      std::size_t start = at + key.size() + 1;
      std::size_t end = payload.find(' ', start);
      return payload.substr(start,
                            end == std::string_view::npos ? std::string_view::npos : end - start);
    }
  }
  return std::nullopt;
}

}  // namespace oopsim::traces
