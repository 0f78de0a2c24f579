// Status and Result<T, E>: the error currency across module boundaries.
//
// GCC 12 in C++20 mode has no std::expected, so this is a deliberately small stand-in.
// Both types are values: cheap to move, safe to copy, not thread-safe to mutate concurrently
// (like any std type). Marked [[nodiscard]] so an ignored error is a compile warning (fatal here).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace cg {

// Ok, or an error with a human-readable message. The message is the whole user-facing text:
// callers prefix context ("wso2carbon.log: ") rather than wrapping.
class [[nodiscard]] Status {
 public:
  Status() = default;  // Ok.
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message), true); }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "prefix: message" (Ok stays Ok).
  Status WithPrefix(const std::string& prefix) const {
    return ok() ? *this : Error(prefix + ": " + message_);
  }

 private:
  Status(std::string message, bool failed) : message_(std::move(message)), failed_(failed) {}
  std::string message_;
  bool failed_ = false;
};

// A value of type T, or an error of type E (default: Status).
// Accessing value() of an error Result is a programming error (std::bad_variant_access).
template <typename T, typename E = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const E& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

}  // namespace cg
