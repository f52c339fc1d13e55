// Parses etcdctl's txn input: compares, a blank line, the success ops, a blank line, the
// failure ops. Pure.
//
//   value("k") = "v"          mod("k") > "5"        version("k") != "0"
//   create("k") < "9"         lease("k") = "694d"
//
//   put k v                   get k [range_end]     del k [range_end]
#pragma once

#include <string>

#include <absl/status/statusor.h>

#include "keel/txn.h"

namespace keel::ctl {

// InvalidArgument with the offending line for anything malformed.
absl::StatusOr<client::Txn> ParseTxn(const std::string& text);

}  // namespace keel::ctl
