//! Checks every vector in `tests/vectors/*.json` (produced by the real TypeScript libraries; see
//! `tests/vectors/README.md`). `NMSHD_VECTORS_DIR` points it at another directory.
//!
//! Vectors are dispatched by their shape (`kind`, or the set of fields), never by file name, so a new
//! vector file in the same format is picked up without code changes. A file or an entry that no checker
//! claims fails the test: nothing is skipped silently.

mod crypto_checks;
mod transport_checks;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// A checker looks at one vector; `None` means "not mine", `Some(Err)` a failed check.
type Checker = fn(&Value) -> Option<Result<(), String>>;

const CHECKERS: &[Checker] = &[crypto_checks::check, transport_checks::check];

fn vectors_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("NMSHD_VECTORS_DIR") {
        return PathBuf::from(dir);
    }
    // crates/wire -> repository root -> tests/vectors
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

#[test]
fn every_vector_passes() {
    let dir = vectors_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read vectors dir {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files in {}", dir.display());

    let mut failures = Vec::new();
    let mut total = 0;
    for file in &files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{name}: {e}"));
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: invalid JSON: {e}"));
        let vectors = doc["vectors"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no `vectors` array"));
        if let Some(count) = doc["count"].as_u64() {
            assert_eq!(
                count as usize,
                vectors.len(),
                "{name}: `count` does not match the vectors present"
            );
        }
        let mut passed = 0;
        for (index, vector) in vectors.iter().enumerate() {
            let label = format!(
                "{name}[{index}] ({})",
                vector["description"].as_str().unwrap_or("no description")
            );
            match CHECKERS.iter().find_map(|check| check(vector)) {
                None => failures.push(format!("{label}: no checker claims this vector")),
                Some(Err(why)) => failures.push(format!("{label}: {why}")),
                Some(Ok(())) => passed += 1,
            }
        }
        println!(
            "vectors: {name}: {passed}/{} checked and passed",
            vectors.len()
        );
        total += vectors.len();
    }
    println!("vectors: {} files, {total} vectors", files.len());
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
