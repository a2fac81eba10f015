// SVG drawing primitives (svg_draw.hpp says what each does).
#include "svg_draw.hpp"

#include <algorithm>
#include <cstdio>

#include "trace_model.hpp"  // display_width

namespace trace_tool::svg {

namespace {

// Tableau's palettes without their greys (grey is for spinning and sleeping).
constexpr rgb goroutine_palette[] = {
    {0x4e, 0x79, 0xa7}, {0xf2, 0x8e, 0x2b}, {0xe1, 0x57, 0x59}, {0x76, 0xb7, 0xb2}, {0x59, 0xa1, 0x4f},
    {0xed, 0xc9, 0x48}, {0xb0, 0x7a, 0xa1}, {0xff, 0x9d, 0xa7}, {0x9c, 0x75, 0x5f}, {0x8c, 0xd1, 0x7d},
    {0x49, 0x98, 0x94}, {0xd3, 0x72, 0x95}, {0xb6, 0x99, 0x2d}, {0x86, 0xbc, 0xb6}, {0xf1, 0xce, 0x63},
    {0xa0, 0xcb, 0xe8}, {0xff, 0xbe, 0x7d}, {0xd4, 0xa6, 0xc8}};

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

rgb goroutine_colour(std::int64_t g) {
  constexpr std::size_t n = sizeof goroutine_palette / sizeof goroutine_palette[0];
  return goroutine_palette[splitmix64(static_cast<std::uint64_t>(g)) % n];
}

rgb palette_colour(std::size_t i) {
  return goroutine_palette[i % (sizeof goroutine_palette / sizeof goroutine_palette[0])];
}

rgb pale(rgb c) {
  auto mix = [](int v) { return v + (255 - v) * 62 / 100; };
  return {mix(c.r), mix(c.g), mix(c.b)};
}

bool is_dark(rgb c) { return c.r * 299 + c.g * 587 + c.b * 114 < 140000; }

std::string hex(rgb c) {
  char s[8];
  std::snprintf(s, sizeof s, "#%02x%02x%02x", c.r, c.g, c.b);
  return s;
}

std::string reason_colour(const std::string& reason, std::size_t& spare) {
  static const std::pair<const char*, const char*> known[] = {
      {"chan receive", "#2c7fb8"},          {"chan send", "#31a354"},
      {"select", "#8856a7"},                {"sync.Mutex.Lock", "#d95f0e"},
      {"sync.RWMutex.Lock", "#b30000"},     {"sync.RWMutex.RLock", "#fd8d3c"},
      {"sync.WaitGroup.Wait", "#756bb1"},   {"sync.Cond.Wait", "#c51b8a"},
      {"sync.Once.Do", "#54278f"},          {"semacquire", "#993404"},
      {"sleep", "#737373"},                 {"select (no cases)", "#252525"},
      {"chan receive (nil chan)", "#08519c"}, {"chan send (nil chan)", "#006d2c"}};
  static const char* spares[] = {"#bcbd22", "#17becf", "#8c564b", "#e377c2", "#393b79",
                                 "#637939", "#843c39", "#7b4173", "#5254a3", "#8ca252"};
  for (auto& [name, colour] : known)
    if (reason == name) return colour;
  return spares[spare++ % (sizeof spares / sizeof spares[0])];
}

void append_escaped(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? '?' : static_cast<char>(c);
      }
      ++i;
      continue;
    }
    std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out += '?';
      ++i;
    }
  }
}

std::string fit(const std::string& s, std::size_t max_chars) {
  if (display_width(s) <= max_chars) return s;
  if (max_chars < 2) return {};
  std::size_t i = 0, kept = 0;
  while (i < s.size() && kept < max_chars - 1) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++kept;
  }
  return s.substr(0, i) + "…";
}

void append_num(std::string& out, double v) {
  char s[32];
  int n = std::snprintf(s, sizeof s, "%.1f", v);
  if (n >= 2 && s[n - 2] == '.' && s[n - 1] == '0') n -= 2;
  if (n == 2 && s[0] == '-' && s[1] == '0') {
    out += '0';
    return;
  }
  out.append(s, static_cast<std::size_t>(n));
}

std::string num(double v) {
  std::string s;
  append_num(s, v);
  return s;
}

int lane_painter::paint(const std::string& stroke, double y, double h) {
  std::string key = stroke + '|' + num(y) + '|' + num(h);
  auto [it, fresh] = ids_.emplace(key, static_cast<int>(paints_.size()));
  if (fresh) paints_.push_back({stroke, y, h, {}});
  return it->second;
}

void lane_painter::add(double x0, double x1, int paint) {
  if (x1 < x0) x1 = x0;
  if (x1 - x0 >= 1.0) {
    flush();
    stroke(x0, x1 - x0, paint);
    return;
  }
  double w = x1 - x0 + 1e-6;  // a zero-length slice still counts
  if (pending_ && x0 - pend_x1_ < 1.0 && pend_x1_ - pend_x0_ < 1.0) {
    pend_x1_ = std::max(pend_x1_, x1);
    for (auto& [p, weight] : pend_weights_)
      if (p == paint) {
        weight += w;
        return;
      }
    pend_weights_.push_back({paint, w});
    return;
  }
  flush();
  pending_ = true;
  pend_x0_ = x0;
  pend_x1_ = x1;
  pend_weights_.assign(1, {paint, w});
}

void lane_painter::write(std::string& out) {
  flush();
  for (auto& p : paints_) {
    if (p.d.empty()) continue;
    out += "<path fill=\"none\" stroke=\"";
    out += p.stroke;
    out += "\" stroke-width=\"";
    append_num(out, p.h);
    out += "\" d=\"";
    out += p.d;
    out += "\"/>\n";
  }
}

void lane_painter::flush() {
  if (!pending_) return;
  pending_ = false;
  auto best = std::max_element(pend_weights_.begin(), pend_weights_.end(),
                               [](auto& a, auto& b) { return a.second < b.second; });
  stroke(pend_x0_, pend_x1_ - pend_x0_, best->first);
}

void lane_painter::stroke(double x, double w, int paint) {
  paint_data& p = paints_[static_cast<std::size_t>(paint)];
  p.d += 'M';
  append_num(p.d, x);
  p.d += ' ';
  append_num(p.d, p.y);
  p.d += 'h';
  append_num(p.d, std::max(w, min_px));
}

}  // namespace trace_tool::svg
