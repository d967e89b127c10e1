import Glibc

enum FileSystemProbe {
    static func isReadableFile(_ path: String) -> Bool {
        access(path, R_OK) == 0
    }
}
