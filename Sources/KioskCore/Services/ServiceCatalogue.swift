/// The services a kiosk offers, in the order the menu shows them (from `assets/services.yaml`).
public struct ServiceCatalogue: Equatable, Sendable {
    public var services: [ServiceEntry]

    public init(services: [ServiceEntry]) {
        self.services = services
    }
}

/// One service on the menu.
public struct ServiceEntry: Equatable, Sendable, Codable {
    /// Stable identifier used in the journal and at the hub, e.g. `print-certificate`.
    public var id: String
    /// The button label, in plain words.
    public var title: String
    /// What the service needs to work at all.
    public var needs: Set<Capability>
    /// Whether the service can be completed without the hub (saved and sent later).
    public var worksOffline: Bool

    public init(id: String, title: String, needs: Set<Capability>, worksOffline: Bool) {
        self.id = id
        self.title = title
        self.needs = needs
        self.worksOffline = worksOffline
    }

    enum CodingKeys: String, CodingKey {
        case id, title, needs
        case worksOffline = "works_offline"
    }
}

/// Something a service depends on.
public enum Capability: String, Sendable, Codable, CaseIterable {
    case cardReader = "card-reader"
    case printer
    case camera
    case hub
}

/// What the device supervisor knows right now. `true` means usable.
public struct KioskHealth: Equatable, Sendable {
    public var cardReader: Bool
    public var printer: Bool
    public var camera: Bool
    public var hub: Bool

    public init(cardReader: Bool, printer: Bool, camera: Bool, hub: Bool) {
        self.cardReader = cardReader
        self.printer = printer
        self.camera = camera
        self.hub = hub
    }

    public func has(_ capability: Capability) -> Bool {
        switch capability {
        case .cardReader: return cardReader
        case .printer: return printer
        case .camera: return camera
        case .hub: return hub
        }
    }
}

/// Whether a service can be offered now.
public enum ServiceAvailability: Equatable, Sendable {
    case available
    /// Works, but its result is saved and sent to the hub later.
    case availableOffline
    /// Cannot be offered; the missing capabilities say why.
    case unavailable(missing: Set<Capability>)
}

extension ServiceCatalogue {
    /// Each service with its availability under `health`, in menu order.
    public func availability(under health: KioskHealth) -> [(ServiceEntry, ServiceAvailability)] {
        services.map { service in
            var missing = Set(service.needs.filter { !health.has($0) })
            if missing == [.hub] && service.worksOffline {
                return (service, .availableOffline)
            }
            if service.worksOffline { missing.remove(.hub) }
            return (service, missing.isEmpty ? .available : .unavailable(missing: missing))
        }
    }
}
