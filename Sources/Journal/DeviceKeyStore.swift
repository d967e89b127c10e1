import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where the kiosk's data key lives: the AES-256 key that seals citizen IDs, names and face
/// evidence in the journal. The key is never in the journal file, so a copied or stolen journal
/// alone does not reveal personal data.
///
/// TPM seam: a TPM-backed store would keep a sealed blob beside the journal and unseal it with
/// the TPM (bound to the boot measurements) in ``existingKey()``; ``createKey()`` would generate
/// the key, seal it and write the blob. The journal only sees this protocol, so the swap changes
/// nothing else. ``FileDeviceKeyStore`` is today's implementation.
public protocol DeviceKeyStore: Sendable {
    /// Where the key is, for a technician's message (a path, a TPM handle).
    var location: String { get }
    /// The stored key, or `nil` when none was ever created.
    func existingKey() throws(DeviceKeyError) -> SymmetricKey?
    /// Creates and stores a new key. Fails when one already exists (never overwrites a key that
    /// may still be needed to read data).
    func createKey() throws(DeviceKeyError) -> SymmetricKey
}

/// Why the device key cannot be used; every case is for a technician.
public enum DeviceKeyError: Error, Equatable, Sendable {
    /// The key file is readable or writable by others than its owner (`mode`, octal): fix with
    /// `chmod 600`; the kiosk does not start until then.
    case keyFileModeTooOpen(path: String, mode: UInt32)
    /// The key file belongs to another user than the one the kiosk runs as.
    case keyFileOwnedByAnotherUser(path: String, owner: UInt32)
    /// The key file is not a regular file of 32 bytes.
    case keyFileMalformed(path: String)
    /// The key file cannot be read or written (`errno`).
    case keyFileUnusable(path: String, errno: Int32)
    /// The key file already exists (a concurrent first start won the race).
    case keyAlreadyExists(path: String)
}

extension DeviceKeyError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .keyFileModeTooOpen(let path, let mode):
            return "device key \(path) has mode \(String(mode, radix: 8)); it must be 600 (owner only): a technician runs chmod 600 \(path)"
        case .keyFileOwnedByAnotherUser(let path, let owner):
            return "device key \(path) belongs to uid \(owner), not to the kiosk's user \(geteuid()): a technician fixes its owner"
        case .keyFileMalformed(let path):
            return "device key \(path) is not a 32-byte key file: a technician restores it from the kiosk's backup"
        case .keyFileUnusable(let path, let code):
            return "device key \(path) cannot be used (\(String(cString: strerror(code)))): a technician checks the state directory"
        case .keyAlreadyExists(let path):
            return "device key \(path) already exists"
        }
    }
}

/// The device key in a file of 32 random bytes, mode 0600, owned by the kiosk's user (root in
/// production), in the state directory beside the journal but never inside it.
public struct FileDeviceKeyStore: DeviceKeyStore {
    public let path: String

    public init(path: String) { self.path = path }

    public var location: String { path }

    public func existingKey() throws(DeviceKeyError) -> SymmetricKey? {
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == ENOENT { return nil }
            throw .keyFileUnusable(path: path, errno: errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG, info.st_size == 32 else { throw .keyFileMalformed(path: path) }
        guard info.st_uid == geteuid() else { throw .keyFileOwnedByAnotherUser(path: path, owner: info.st_uid) }
        // Group or other bits mean someone else may have read the key already: refuse rather
        // than silently tighten it, so a technician looks at how that happened.
        guard info.st_mode & 0o077 == 0 else { throw .keyFileModeTooOpen(path: path, mode: UInt32(info.st_mode & 0o7777)) }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .keyFileUnusable(path: path, errno: errno) }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = read(descriptor, &bytes, 32)
        guard count == 32 else { throw .keyFileMalformed(path: path) }
        return SymmetricKey(data: bytes)
    }

    public func createKey() throws(DeviceKeyError) -> SymmetricKey {
        let key = SymmetricKey(size: .bits256)
        // O_EXCL: never replace a key that exists; 0600 from the first byte on disk.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .keyAlreadyExists(path: path) }
            throw .keyFileUnusable(path: path, errno: errno)
        }
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        let failure = errno
        close(descriptor)
        guard written == 32, synced else {
            unlink(path)
            throw .keyFileUnusable(path: path, errno: failure)
        }
        // The directory entry must be durable too, or a power cut could leave data sealed with a
        // key whose file is gone.
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                             O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return key
    }
}

/// A key held in memory: for tests and tools that must not touch a key file.
public struct InMemoryDeviceKeyStore: DeviceKeyStore {
    private let key: SymmetricKey
    public init(key: SymmetricKey) { self.key = key }
    public var location: String { "memory" }
    public func existingKey() throws(DeviceKeyError) -> SymmetricKey? { key }
    public func createKey() throws(DeviceKeyError) -> SymmetricKey { throw .keyAlreadyExists(path: location) }
}
