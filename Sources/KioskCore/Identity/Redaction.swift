/// Masking of personal information for screens and logs.
///
/// Every module that shows or logs a citizen ID or a name goes through these functions, so the
/// rule lives in one place: a citizen ID keeps its region code and last four characters
/// (`330102********1234`), a name keeps its family-name character (`张*`, `欧***`).
public enum Redaction {
    /// `330102********1234`. Text that is too short to be an ID is masked entirely.
    public static func maskCitizenID(_ text: String) -> String {
        let characters = Array(text)
        guard characters.count >= 10 else { return String(repeating: "*", count: characters.count) }
        let hidden = characters.count - 10
        return String(characters.prefix(6)) + String(repeating: "*", count: hidden) + String(characters.suffix(4))
    }

    /// The first character, then one star for each further character: 张三 → 张*, 欧阳䶮𬌗 → 欧***.
    /// A name of one character is shown as a single star.
    public static func maskName(_ name: String) -> String {
        let characters = Array(name)
        guard characters.count > 1 else { return String(repeating: "*", count: characters.count) }
        return String(characters[0]) + String(repeating: "*", count: characters.count - 1)
    }
}
