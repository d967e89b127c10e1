/// The software version every Zizhu program reports (heartbeats, `/health`, `--version`).
public enum ZizhuVersion {
    public static let current = "0.1.0"
}
