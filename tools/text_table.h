// Aligned plain-text tables for terminal output.
#ifndef BANEN_TOOLS_TEXT_TABLE_H_
#define BANEN_TOOLS_TEXT_TABLE_H_

#include <string>
#include <vector>

namespace banen {

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kRight;
  };

  explicit TextTable(std::vector<Column> columns)
      : columns_(std::move(columns)) {}

  // `cells` has one entry per column.
  void AddRow(std::vector<std::string> cells) {
    rows_.push_back(std::move(cells));
  }

  // Header, a rule, then the rows; columns two spaces apart, each as wide as
  // its widest cell. Cells are measured in bytes: keep them ASCII.
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace banen

#endif  // BANEN_TOOLS_TEXT_TABLE_H_
