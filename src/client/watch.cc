// Client::Watch: a WatcherImpl on the client's endpoints.
#include "client/client_impl.h"
#include "client/watcher_impl.h"

namespace keel::client {

std::unique_ptr<Watcher> ClientImpl::Watch(const std::string& key,
                                           const WatchOptions& options,
                                           WatchCallback callback) {
    return std::make_unique<WatcherImpl>(&pool_, options_, key, options, std::move(callback));
}

}  // namespace keel::client
