import KioskCore
import Logging

extension Logger.MetadataValue {
    /// A citizen ID as logs may carry it: `330102********1234`.
    public static func citizenID(_ id: CitizenID) -> Logger.MetadataValue {
        .string(id.masked)
    }

    /// A name as logs may carry it: `张*`.
    public static func personName(_ name: String) -> Logger.MetadataValue {
        .string(Redaction.maskName(name))
    }
}
