// OwedAnswer<T>: the one answer the loop thread owes a waiting request. It is delivered either
// through a std::promise, whose future a thread waits on (the default: sync RPC handlers and
// internal callers), or by calling a function (the callback RPC handlers, which finish their
// gRPC reactor in it, so that no thread waits for the entry to apply).
//
// Threading: set_value runs the function on the calling thread: the loop thread, or the
// proposing thread for an answer known at once (a refused proposal, a shutdown). The function
// must not block and must not call back into the RaftNode's loop-only state.
// Invariant: set_value is called at most once; a callback answer is not waited on.
#pragma once

#include <future>
#include <utility>
#include <variant>

#include <absl/functional/any_invocable.h>

#include "base/assert.h"

namespace keel::server {

template <typename T>
class OwedAnswer {
public:
    using Callback = absl::AnyInvocable<void(T)>;

    // Promise mode: get_future() gives the answer to a waiting thread.
    OwedAnswer() = default;

    // Callback mode: `callback` receives the answer.
    explicit OwedAnswer(Callback callback) : target_(std::move(callback)) {
        KEEL_ASSERT(std::get<Callback>(target_) != nullptr);
    }

    OwedAnswer(OwedAnswer&&) noexcept = default;
    OwedAnswer& operator=(OwedAnswer&&) noexcept = default;
    OwedAnswer(const OwedAnswer&) = delete;
    OwedAnswer& operator=(const OwedAnswer&) = delete;

    // Precondition: promise mode, called once.
    std::future<T> get_future() {
        KEEL_ASSERT(std::holds_alternative<std::promise<T>>(target_));
        return std::get<std::promise<T>>(target_).get_future();
    }

    void set_value(T value) {
        if (auto* promise = std::get_if<std::promise<T>>(&target_)) {
            promise->set_value(std::move(value));
            return;
        }
        Callback callback = std::move(std::get<Callback>(target_));
        KEEL_ASSERT_MSG(callback != nullptr, "answered twice");
        std::get<Callback>(target_) = nullptr;
        callback(std::move(value));
    }

private:
    std::variant<std::promise<T>, Callback> target_;
};

}  // namespace keel::server
