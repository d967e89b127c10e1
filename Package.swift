// swift-tools-version: 6.1
//
// Zizhu: self-service kiosk software for human-resources and social-security offices.
// ARCHITECTURE.md maps these targets; keep the two in step.

import PackageDescription

/// Every Zizhu target is compiled with the same strictness.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "zizhu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "zizhu-kiosk", targets: ["ZizhuKiosk"]),
        .executable(name: "zizhu-hub", targets: ["ZizhuHub"]),
        .executable(name: "zizhuctl", targets: ["ZizhuCtl"]),
        .executable(name: "zizhu-cardsim", targets: ["ZizhuCardSim"]),
        .executable(name: "zizhu-printersim", targets: ["ZizhuPrinterSim"]),
        .executable(name: "zizhu-escpos", targets: ["ZizhuEscposBackend"]),
        .executable(name: "zizhu-bench", targets: ["ZizhuBench"]),
        .executable(name: "zizhu-console-demo", targets: ["ZizhuConsoleDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.7.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0" ..< "5.0.0"),
        .package(url: "https://github.com/apple/swift-http-structured-headers.git", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
    ],
    targets: [
        // MARK: C libraries, each behind a system-library target with a thin shim

        .systemLibrary(
            name: "CPCSCLite",
            path: "Sources/CSystem/CPCSCLite",
            // pkg-config supplies -I/usr/include/PCSC, which winscard.h's unprefixed includes need.
            // (SwiftPM drops the -pthread it also lists, with a warning; libpcsclite links fine.)
            pkgConfig: "libpcsclite",
            providers: [.apt(["libpcsclite-dev"])]
        ),
        // Debian ships no cups.pc, so the module map links "cups" directly.
        .systemLibrary(
            name: "CCUPS",
            path: "Sources/CSystem/CCUPS",
            providers: [.apt(["libcups2-dev"])]
        ),
        .systemLibrary(
            name: "CJPEG",
            path: "Sources/CSystem/CJPEG",
            providers: [.apt(["libjpeg-dev"])]
        ),
        // Video4Linux2: kernel headers only (linux-libc-dev), no library to link.
        .systemLibrary(
            name: "CV4L2",
            path: "Sources/CSystem/CV4L2"
        ),
        .systemLibrary(
            name: "CCairo",
            path: "Sources/CSystem/CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        .systemLibrary(
            name: "CQRencode",
            path: "Sources/CSystem/CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),

        // MARK: Pure domain

        .target(
            name: "KioskCore",
            swiftSettings: strictSettings
        ),

        // MARK: Cross-cutting

        .target(
            name: "ZizhuLogging",
            dependencies: [
                "KioskCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ZizhuConfiguration",
            dependencies: [
                "KioskCore", "ZizhuLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Devices

        .target(
            name: "SocialSecurityCard",
            dependencies: [
                "CPCSCLite",
                "KioskCore",
            ],
            swiftSettings: strictSettings
        ),
        // ESC/POS bytes both ways: commands, real-time status, and the decoder the emulated printer uses.
        .target(
            name: "ESCPOS",
            dependencies: ["KioskCore"],
            swiftSettings: strictSettings
        ),
        // The certificate's facts and its verification code; the hub verifies codes with it too.
        .target(
            name: "StaffAccess",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "CertificateVerification",
            dependencies: [
                "KioskCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ReceiptPrinting",
            dependencies: [
                "CCUPS", "CCairo", "CQRencode",
                "KioskCore", "ESCPOS", "CertificateVerification",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "CameraCapture",
            dependencies: ["CJPEG", "CV4L2", "KioskCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Liveness",
            // Journal: a completed check is journalled with its sealed evidence (QualificationSubmission).
            dependencies: ["CameraCapture", "KioskCore", "Journal"],
            swiftSettings: strictSettings
        ),

        .target(
            name: "CardEmulation",
            swiftSettings: strictSettings
        ),

        // MARK: User interface

        .target(
            name: "TextConsole",
            exclude: ["WidthTable/generate_width_table.py"],
            swiftSettings: strictSettings
        ),
        // A three-screen program on TextConsole (size choice, PIN pad, paged records): the
        // golden-file, tmux and screenshot tests run it; zizhu-console-demo shows it.
        .target(
            name: "ConsoleDemo",
            dependencies: ["TextConsole"],
            swiftSettings: strictSettings
        ),
        // sd_notify without libsystemd: READY, STATUS, and watchdog pings gated by a health check.
        .target(
            name: "SystemdNotify",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The kiosk's citizen session as a pure state machine on TextConsole; devices, journal
        // and hub only through SessionEffects (zizhu-kiosk supplies the real ones).
        .target(
            name: "KioskSession",
            dependencies: ["TextConsole", "KioskCore", "CertificateVerification"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ZizhuConsoleDemo",
            dependencies: ["ConsoleDemo", "TextConsole"],
            swiftSettings: strictSettings
        ),

        // MARK: Storage and sync

        .target(
            name: "Journal",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HubAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: strictSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // RFC 9421 signature bases and RFC 9530 digests, shared by the kiosk's signer and the hub's verifier.
        .target(
            name: "HubSigning",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
            ],
            swiftSettings: strictSettings
        ),
        // The hub's storage behind one protocol: SQLite (GRDB) or PostgreSQL (postgres-nio).
        .target(
            name: "HubStore",
            dependencies: [
                "CertificateVerification", "KioskCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                // scrypt for staff passwords.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HubClient",
            dependencies: [
                "HubAPI", "HubSigning", "Journal",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HubServer",
            dependencies: [
                "HubAPI", "HubSigning", "HubStore", "CertificateVerification", "KioskCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The staff dashboard's server-rendered pages.
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Executables

        .executableTarget(
            name: "ZizhuKiosk",
            dependencies: [
                "KioskCore", "ZizhuLogging", "ZizhuConfiguration", "SocialSecurityCard",
                "ReceiptPrinting", "TextConsole", "HubClient", "HubAPI", "Journal", "KioskSession", "CertificateVerification", "SystemdNotify",
                "Liveness", "CameraCapture", "StaffAccess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ZizhuHub",
            dependencies: [
                "ZizhuLogging", "ZizhuConfiguration", "HubServer", "HubAPI", "HubStore", "KioskCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ZizhuCtl",
            dependencies: [
                "ZizhuConfiguration", "SocialSecurityCard", "ReceiptPrinting", "HubClient", "HubStore",
                "CertificateVerification", "KioskCore", "StaffAccess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ZizhuCardSim",
            dependencies: [
                "CardEmulation", "ZizhuLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ZizhuPrinterSim",
            dependencies: [
                "ZizhuLogging", "ESCPOS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The CUPS backend for ESC/POS receipt printers (zizhu-escpos:// URIs), installed into
        // CUPS's backend folder; it reports the printer's paper sensor to CUPS.
        .executableTarget(
            name: "ZizhuEscposBackend",
            // ESCPOS alone (no Foundation, cairo or crypto): cupsd starts it for every job.
            dependencies: ["ESCPOS"],
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "ZizhuBench",
            dependencies: [
                "KioskCore", "SocialSecurityCard", "HubAPI", "HubClient", "HubStore",
                "ReceiptPrinting", "CertificateVerification", "TextConsole", "ConsoleDemo", "Journal",
                "CameraCapture", "Liveness",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Tests

        .target(
            name: "TestSupport",
            dependencies: [
                "TextConsole",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "KioskCoreTests", dependencies: ["KioskCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "ZizhuLoggingTests",
            dependencies: ["ZizhuLogging", "KioskCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ZizhuConfigurationTests",
            dependencies: ["ZizhuConfiguration", "KioskCore", "ZizhuLogging", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SocialSecurityCardTests",
            dependencies: ["SocialSecurityCard", "CardEmulation", "KioskCore", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CardEmulationTests",
            dependencies: ["CardEmulation", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ReceiptPrintingTests",
            dependencies: [
                "ReceiptPrinting", "ESCPOS", "CertificateVerification", "KioskCore", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Goldens"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CameraCaptureTests",
            dependencies: ["CameraCapture", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "LivenessTests", dependencies: ["Liveness", "CameraCapture", "KioskCore", "TestSupport", "Journal"], swiftSettings: strictSettings),
        .testTarget(
            name: "TextConsoleTests",
            dependencies: ["TextConsole", "ConsoleDemo", "TestSupport"],
            exclude: ["Goldens"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KioskFlowTests",
            dependencies: ["TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ApplianceTests",
            dependencies: ["SystemdNotify"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KioskSessionTests",
            dependencies: ["KioskSession", "TextConsole", "KioskCore", "CertificateVerification", "ZizhuConfiguration", "StaffAccess"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "JournalTests", dependencies: ["Journal", "HubClient", "HubAPI", "HubStore", "TestSupport", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSettings),
        .testTarget(
            name: "HubTests",
            dependencies: [
                "HubClient", "HubServer", "HubStore", "HubSigning", "HubAPI", "TestSupport", "CertificateVerification", "KioskCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TestSupportTests",
            dependencies: ["TestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
