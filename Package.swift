// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "vq",
    products: [
        .executable(name: "vq", targets: ["vq"]),
        .library(name: "VQKit", targets: ["VQKit"]),
    ],
    targets: [
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(
            name: "VQKit",
            resources: [.copy("Resources/demo-store")]
        ),
        .executableTarget(
            name: "vq",
            dependencies: ["VQKit", "CEditLine"]
        ),
        .testTarget(
            name: "VQKitTests",
            dependencies: ["VQKit"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
