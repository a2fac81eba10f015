// A strict XML reader for trace_svg_test.cpp: it accepts a document only with one root
// element, properly nested and balanced tags, every attribute quoted and given once,
// only the predefined entities (&amp; &lt; &gt; &quot; &apos;) and character references,
// and no stray '<' or '&' or control characters. It keeps the elements, their
// attributes and their text (entities decoded) for the checks.
//
//   xml_doc d = read_xml(svg_text);
//   ASSERT_EQ(d.error, "");                 // "line 3: </g> closes <svg>" otherwise
//   d.nodes[0].name == "svg"; d.by_id("legend"); d.all("text", "class", "g-label");
#pragma once

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace strict_xml {


struct xml_node {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;  // the element's own character data, decoded
  int parent = -1;
  std::vector<int> children;

  const std::string* attr(const std::string& key) const {
    for (auto& [k, v] : attrs)
      if (k == key) return &v;
    return nullptr;
  }
  std::string get(const std::string& key) const {
    const std::string* v = attr(key);
    return v ? *v : std::string();
  }
};

struct xml_doc {
  std::string error;  // empty when well-formed
  std::vector<xml_node> nodes;  // nodes[0] is the root

  // Elements named `name` (any, when empty) with attribute key == value (any, when key is empty).
  std::vector<const xml_node*> all(const std::string& name, const std::string& key = "",
                                   const std::string& value = "") const {
    std::vector<const xml_node*> out;
    for (auto& n : nodes)
      if ((name.empty() || n.name == name) && (key.empty() || n.get(key) == value)) out.push_back(&n);
    return out;
  }
  const xml_node* by_id(const std::string& id) const {
    auto v = all("", "id", id);
    return v.empty() ? nullptr : v[0];
  }
  // The text of the element and everything in it.
  std::string deep_text(const xml_node& n) const {
    std::string s = n.text;
    for (int c : n.children) s += deep_text(nodes[static_cast<std::size_t>(c)]);
    return s;
  }
  std::vector<std::string> texts_under(const xml_node& n, const std::string& name) const {
    std::vector<std::string> out;
    for (int c : n.children) {
      auto& ch = nodes[static_cast<std::size_t>(c)];
      if (ch.name == name) out.push_back(ch.text);
      for (auto& s : texts_under(ch, name)) out.push_back(s);
    }
    return out;
  }
};

class xml_reader {
 public:
  explicit xml_reader(const std::string& s) : s_(s) {}

  xml_doc read() {
    try {
      if (s_.compare(0, 5, "<?xml") == 0) skip_pi();
      misc();
      if (!at("<") || at("</")) fail("no root element");
      element(-1);
      misc();
      if (i_ != s_.size()) fail("content after the root element");
    } catch (const std::string& e) {
      doc_.error = e;
    }
    return std::move(doc_);
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    auto upto = s_.begin() + static_cast<long>(std::min(i_, s_.size()));
    std::size_t line = 1 + static_cast<std::size_t>(std::count(s_.begin(), upto, '\n'));
    throw "line " + std::to_string(line) + ": " + why;
  }
  bool at(const char* lit) const { return s_.compare(i_, std::strlen(lit), lit) == 0; }
  void expect(const char* lit) {
    if (!at(lit)) fail(std::string("expected '") + lit + "'");
    i_ += std::strlen(lit);
  }
  static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  void skip_space() {
    while (i_ < s_.size() && space(s_[i_])) ++i_;
  }
  static bool name_start(unsigned char c) { return std::isalpha(c) || c == '_' || c == ':' || c >= 0x80; }
  static bool name_char(unsigned char c) { return name_start(c) || std::isdigit(c) || c == '-' || c == '.'; }
  std::string name() {
    if (i_ >= s_.size() || !name_start(static_cast<unsigned char>(s_[i_]))) fail("expected a name");
    std::size_t b = i_;
    while (i_ < s_.size() && name_char(static_cast<unsigned char>(s_[i_]))) ++i_;
    return s_.substr(b, i_ - b);
  }
  void skip_pi() {
    auto e = s_.find("?>", i_);
    if (e == std::string::npos) fail("unterminated <?");
    i_ = e + 2;
  }
  void comment() {
    expect("<!--");
    auto e = s_.find("--", i_);
    if (e == std::string::npos || s_.compare(e, 3, "-->") != 0) fail("'--' inside a comment or unterminated");
    i_ = e + 3;
  }
  void misc() {
    for (;;) {
      skip_space();
      if (at("<!--")) {
        comment();
      } else if (at("<?")) {
        skip_pi();
      } else {
        return;
      }
    }
  }
  // After '&': an entity or character reference, appended decoded.
  void reference(std::string& out) {
    auto semi = s_.find(';', i_);
    if (semi == std::string::npos || semi - i_ > 12) fail("'&' that starts no reference");
    std::string ref = s_.substr(i_ + 1, semi - i_ - 1);
    static const std::map<std::string, std::string> predefined = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
    if (auto it = predefined.find(ref); it != predefined.end()) {
      out += it->second;
    } else if (ref.size() > 1 && ref[0] == '#') {
      bool hexadecimal = ref[1] == 'x';
      std::string digits = ref.substr(hexadecimal ? 2 : 1);
      if (digits.empty()) fail("empty character reference");
      for (char c : digits)
        if (!(hexadecimal ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c))))
          fail("bad character reference &" + ref + ";");
      unsigned long cp = std::stoul(digits, nullptr, hexadecimal ? 16 : 10);
      if (cp < 0x20 && cp != 9 && cp != 10 && cp != 13) fail("reference to a control character");
      out += cp < 0x80 ? std::string(1, static_cast<char>(cp)) : std::string("?");
    } else {
      fail("unknown entity &" + ref + ";");
    }
    i_ = semi + 1;
  }
  std::string attribute_value() {
    if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) fail("an attribute value without quotes");
    char q = s_[i_++];
    std::string v;
    while (i_ < s_.size() && s_[i_] != q) {
      char c = s_[i_];
      if (c == '<') fail("'<' in an attribute value");
      if (c == '&') {
        reference(v);
        continue;
      }
      v += c;
      ++i_;
    }
    if (i_ >= s_.size()) fail("unterminated attribute value");
    ++i_;
    return v;
  }
  void element(int parent) {
    expect("<");
    int me = static_cast<int>(doc_.nodes.size());
    doc_.nodes.emplace_back();
    doc_.nodes[static_cast<std::size_t>(me)].name = name();
    doc_.nodes[static_cast<std::size_t>(me)].parent = parent;
    if (parent >= 0) doc_.nodes[static_cast<std::size_t>(parent)].children.push_back(me);
    for (;;) {
      bool had_space = i_ < s_.size() && space(s_[i_]);
      skip_space();
      if (at("/>")) {
        i_ += 2;
        return;
      }
      if (at(">")) {
        ++i_;
        break;
      }
      if (!had_space) fail("attributes must be separated by white space");
      std::string key = name();
      skip_space();
      expect("=");
      skip_space();
      std::string value = attribute_value();
      auto& n = doc_.nodes[static_cast<std::size_t>(me)];
      if (n.attr(key)) fail("attribute " + key + " given twice");
      n.attrs.emplace_back(key, value);
    }
    const std::string tag = doc_.nodes[static_cast<std::size_t>(me)].name;
    for (;;) {
      if (i_ >= s_.size()) fail("<" + tag + "> is never closed");
      if (at("</")) {
        i_ += 2;
        std::string end = name();
        if (end != tag) fail("</" + end + "> closes <" + tag + ">");
        skip_space();
        expect(">");
        return;
      }
      if (at("<!--")) {
        comment();
      } else if (at("<![CDATA[")) {
        auto e = s_.find("]]>", i_);
        if (e == std::string::npos) fail("unterminated CDATA");
        doc_.nodes[static_cast<std::size_t>(me)].text += s_.substr(i_ + 9, e - i_ - 9);
        i_ = e + 3;
      } else if (at("<?")) {
        skip_pi();
      } else if (at("<")) {
        element(me);
      } else if (s_[i_] == '&') {
        reference(doc_.nodes[static_cast<std::size_t>(me)].text);
      } else {
        if (at("]]>")) fail("']]>' in text");
        unsigned char c = static_cast<unsigned char>(s_[i_]);
        if (c < 0x20 && !space(static_cast<char>(c))) fail("a control character in text");
        doc_.nodes[static_cast<std::size_t>(me)].text += s_[i_++];
      }
    }
  }

  const std::string& s_;
  std::size_t i_ = 0;
  xml_doc doc_;
};

inline xml_doc read_xml(const std::string& s) { return xml_reader(s).read(); }

}  // namespace strict_xml
