// Early-return helpers for absl::Status / absl::StatusOr (Debian's abseil
// 20220623 ships none).
#ifndef BANEN_LEDGER_STATUS_MACROS_H_
#define BANEN_LEDGER_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BANEN_CONCAT_INNER_(a, b) a##b
#define BANEN_CONCAT_(a, b) BANEN_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function unless it is OK.
#define RETURN_IF_ERROR(expr)                                     \
  do {                                                            \
    if (absl::Status banen_status_ = (expr); !banen_status_.ok()) \
      return banen_status_;                                       \
  } while (0)

// `ASSIGN_OR_RETURN(T x, StatusOr<T> expr)`: declares or assigns `lhs` from the
// value of `expr`, or returns its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(BANEN_CONCAT_(banen_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)        \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // BANEN_LEDGER_STATUS_MACROS_H_
