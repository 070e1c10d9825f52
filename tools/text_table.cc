#include "tools/text_table.h"

#include <algorithm>

namespace banen {
namespace {

void AppendLine(const std::vector<TextTable::Column>& columns,
                const std::vector<size_t>& widths,
                const std::vector<std::string>& cells, std::string* out) {
  std::string line;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) line += "  ";
    const std::string padding(widths[i] - cells[i].size(), ' ');
    line += columns[i].align == TextTable::Align::kRight ? padding + cells[i]
                                                         : cells[i] + padding;
  }
  line.erase(line.find_last_not_of(' ') + 1);
  *out += line + "\n";
}

}  // namespace

std::string TextTable::Render() const {
  std::vector<size_t> widths;
  std::vector<std::string> headers;
  for (const Column& column : columns_) {
    widths.push_back(column.header.size());
    headers.push_back(column.header);
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  AppendLine(columns_, widths, headers, &out);
  std::vector<std::string> rule;
  rule.reserve(widths.size());
  for (size_t width : widths) rule.emplace_back(width, '-');
  AppendLine(columns_, widths, rule, &out);
  for (const auto& row : rows_) AppendLine(columns_, widths, row, &out);
  return out;
}

}  // namespace banen
