import Hummingbird
import NIOCore

/// The hub's request context: Hummingbird's basic one plus the peer address, which the verify
/// page's rate limit counts by.
struct HubRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
