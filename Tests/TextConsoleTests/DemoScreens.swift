import ConsoleDemo
import Testing
import TextConsole

/// The demo's screens in the states the golden files and frame tests cover.
enum DemoScreens {
    static let demo = ConsoleDemo()

    static func models(_ mode: SizeMode) -> [(name: String, model: ConsoleDemo.Model)] {
        [
            ("welcome", ConsoleDemo.Model(page: .welcome, sizeMode: mode)),
            ("pin", ConsoleDemo.Model(page: .pin, sizeMode: mode, pin: [1, 2, 3])),
            ("verifying", ConsoleDemo.Model(page: .verifying(step: 1), sizeMode: mode)),
            ("wrong-pin", ConsoleDemo.Model(page: .wrongPIN, sizeMode: mode)),
            ("records-first-page", ConsoleDemo.Model(page: .records(page: 0), sizeMode: mode)),
            ("records-last-page", ConsoleDemo.Model(page: .records(page: 99), sizeMode: mode)),
            ("idle-warning", ConsoleDemo.Model(page: .pin, sizeMode: mode, pin: [4], idleSecondsLeft: 37)),
        ]
    }

    /// The grids of the two 1920×1080 font choices: 40 px (96×18) and 32 px (120×22).
    static let grids = [(columns: 96, rows: 18), (columns: 120, rows: 22)]

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let columns: Int
        let rows: Int
        let mode: SizeMode
        let model: ConsoleDemo.Model
        var fileName: String { "\(name)-\(columns)x\(rows)-\(mode.rawValue)" }
        var testDescription: String { fileName }
        var frame: Frame<ConsoleDemo.Target> {
            ScreenLayout(columns: columns, rows: rows, mode: mode).render(DemoScreens.demo.view(model))
        }
    }

    static let all: [Case] = grids.flatMap { grid in
        SizeMode.allCases.flatMap { mode in
            models(mode).map { Case(name: $0.name, columns: grid.columns, rows: grid.rows, mode: mode, model: $0.model) }
        }
    }
}
