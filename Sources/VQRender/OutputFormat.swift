import VQEngine
import VQJSON
import VQModel
import VQSupport

/// How results are written (`.mode`, `--format`).
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, json, jsonl, markdown, line
}
