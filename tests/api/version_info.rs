//! `GET /Monitoring/Version` in the real Connector's shape, filled by `build.rs`: the crate version,
//! the git commit of this checkout and the build date (no `{{…}}` placeholders left).

use crate::helpers::*;

#[tokio::test]
async fn version_reports_the_crate_version_commit_and_build_date() {
    let app = spawn_app().await;
    let body: serde_json::Value = app
        .get("/Monitoring/Version", Some(FULL_KEY))
        .await
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "version",
            "build",
            "date",
            "commit",
            "runtimeVersion",
            "modules"
        ]
    );
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(!body.to_string().contains("{{"), "{body}");
    let date = body["date"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(date, &time::format_description::well_known::Rfc3339).is_ok(),
        "date {date:?} is RFC 3339"
    );
    // The commit is the one given to the build (CONNECTOR_COMMIT), else this checkout's HEAD when git
    // can tell (the build ran here), else "unknown".
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let expected = std::env::var("CONNECTOR_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or(head)
        .unwrap_or_else(|| "unknown".into());
    assert_eq!(body["commit"], expected.as_str());
}
