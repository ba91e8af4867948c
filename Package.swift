// swift-tools-version: 6.0
import PackageDescription

// Library targets by concern, each depending only on those before it, so that
// SwiftPM refuses an import that would make a loop (the README draws the graph):
//
//   VQSupport → VQJSON → VQModel ┬→ VQLanguage ┐
//                                └→ VQStore ───┴→ VQEngine → VQRender → VQSimulation → VQSession → vq
//                                     │  │           └→ VQExchange ─────────────────────┘ │           │
//                                     │  └→ VQPostgres (CLibPQ) ──────────────────────────┘           │
//                                     └→ VQGenerator ─────────────────────────────────────────────────┘
let package = Package(
    name: "vq",
    products: [
        .executable(name: "vq", targets: ["vq"]),
    ],
    dependencies: [
        // The command line of vq and its subcommands: one parser, --help for each, shell completion scripts.
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // Reading and writing xlsx workbooks, which are zip archives of XML parts (zlib underneath).
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // libpq, PostgreSQL's client library, for the store a team shares (SPEC §7): its header
        // (libpq-dev) through a module map; the library itself is loaded when a database is
        // first opened, so a vq on files never pays for loading it and OpenSSL.
        .systemLibrary(
            name: "CLibPQ",
            providers: [.apt(["libpq-dev"])]
        ),
        // Threads, text width, compensated sums, random numbers, dates, exact strings.
        .target(name: "VQSupport"),
        // JSON values as read (number text and key order kept) and the writer.
        .target(name: "VQJSON", dependencies: ["VQSupport"]),
        // The domain model: collections and their fields, values and how they read.
        .target(name: "VQModel", dependencies: ["VQSupport", "VQJSON"]),
        // Lexer, parser, AST and diagnostics: knows no store, simulator or renderer.
        .target(name: "VQLanguage", dependencies: ["VQSupport", "VQModel"]),
        // Store files: the byte-level JSON reader, loading, validation, relations, and the write path.
        .target(name: "VQStore", dependencies: ["VQSupport", "VQJSON", "VQModel"]),
        // Compiling and evaluating statements, derived fields, mutations.
        .target(name: "VQEngine", dependencies: ["VQSupport", "VQJSON", "VQModel", "VQLanguage", "VQStore"]),
        // Files in and out: csv, xlsx, json and jsonl read for import (encodings, headers,
        // coercion, checking), and xlsx workbooks written. XML is read with FoundationXML.
        .target(name: "VQExchange", dependencies: ["VQSupport", "VQJSON", "VQModel", "VQStore", "VQEngine",
                                                   .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // The PostgreSQL store: connection, schema, rows to records and back, transactions, audit, copy.
        .target(name: "VQPostgres", dependencies: ["VQSupport", "VQJSON", "VQModel", "VQStore", "CLibPQ"]),
        // Output formats, table fitting, histograms.
        .target(name: "VQRender", dependencies: ["VQSupport", "VQJSON", "VQModel", "VQEngine"]),
        // What-if simulations: cost model, closed form, Monte Carlo.
        .target(name: "VQSimulation", dependencies: ["VQSupport", "VQJSON", "VQModel", "VQLanguage", "VQStore", "VQEngine", "VQRender"]),
        // The seeded store generator, and the demo store made with it for today.
        .target(name: "VQGenerator", dependencies: ["VQSupport", "VQJSON", "VQModel", "VQStore"]),
        // Sessions: statements, meta-commands, changes and undo, help, completion.
        .target(
            name: "VQSession",
            dependencies: ["VQSupport", "VQJSON", "VQModel", "VQLanguage", "VQStore", "VQEngine", "VQRender", "VQSimulation", "VQExchange", "VQPostgres"]
        ),
        .executableTarget(
            name: "vq",
            dependencies: ["VQSession", "VQGenerator", "VQModel", "VQSupport", "VQLanguage", "VQEngine", "VQRender", "VQStore", "VQPostgres", "CEditLine",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "VQKitTests",
            dependencies: ["VQSupport", "VQJSON", "VQModel", "VQLanguage", "VQStore", "VQEngine", "VQRender", "VQSimulation",
                           "VQGenerator", "VQSession", "VQExchange", "VQPostgres"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
