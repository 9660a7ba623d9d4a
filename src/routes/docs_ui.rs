//! The documentation pages beside `/docs/json` (registered only when docs are enabled): Swagger UI
//! at `/docs/swagger/`, RapiDoc at `/docs/rapidoc`, and `/favicon.ico`. Their scripts and styles
//! are the npm packages' files in `assets/docs/` (refreshed by `scripts/vendor-docs-assets.sh`),
//! embedded in the binary, so the pages need no network; inline scripts are not used, as the
//! Content-Security-Policy allows only `script-src 'self'`.

use std::io::Read;
use std::sync::OnceLock;

use actix_web::{HttpResponse, web};

/// An embedded, gzipped asset, unpacked on first use.
struct Asset {
    gzipped: &'static [u8],
    content_type: &'static str,
    unpacked: OnceLock<Vec<u8>>,
}

impl Asset {
    const fn new(gzipped: &'static [u8], content_type: &'static str) -> Self {
        Self {
            gzipped,
            content_type,
            unpacked: OnceLock::new(),
        }
    }

    fn bytes(&self) -> &[u8] {
        self.unpacked.get_or_init(|| {
            let mut out = Vec::new();
            // The assets are checked in and unpacked by a test; a broken one serves empty.
            if flate2::read::GzDecoder::new(self.gzipped)
                .read_to_end(&mut out)
                .is_err()
            {
                tracing::error!("an embedded documentation asset is not valid gzip");
                out.clear();
            }
            out
        })
    }

    fn respond(&self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type(self.content_type)
            .insert_header(("Cache-Control", "public, max-age=86400"))
            .body(self.bytes().to_vec())
    }
}

static SWAGGER_BUNDLE: Asset = Asset::new(
    include_bytes!("../../assets/docs/swagger-ui-bundle.js.gz"),
    "application/javascript; charset=utf-8",
);
static SWAGGER_PRESET: Asset = Asset::new(
    include_bytes!("../../assets/docs/swagger-ui-standalone-preset.js.gz"),
    "application/javascript; charset=utf-8",
);
static SWAGGER_CSS: Asset = Asset::new(
    include_bytes!("../../assets/docs/swagger-ui.css.gz"),
    "text/css; charset=utf-8",
);
static RAPIDOC: Asset = Asset::new(
    include_bytes!("../../assets/docs/rapidoc-min.js.gz"),
    "application/javascript; charset=utf-8",
);
static FAVICON: Asset = Asset::new(
    include_bytes!("../../assets/docs/favicon-32x32.png.gz"),
    "image/png",
);

const TITLE: &str = "enmeshed Connector API";

/// Registers the pages and their assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/docs/swagger", web::get().to(swagger_page))
        .route("/docs/swagger/", web::get().to(swagger_page))
        .route("/docs/swagger/index.html", web::get().to(swagger_page))
        .route(
            "/docs/swagger/swagger-ui-bundle.js",
            web::get().to(|| async { SWAGGER_BUNDLE.respond() }),
        )
        .route(
            "/docs/swagger/swagger-ui-standalone-preset.js",
            web::get().to(|| async { SWAGGER_PRESET.respond() }),
        )
        .route(
            "/docs/swagger/swagger-ui.css",
            web::get().to(|| async { SWAGGER_CSS.respond() }),
        )
        .route(
            "/docs/swagger/swagger-ui-init.js",
            web::get().to(swagger_init),
        )
        .route("/docs/rapidoc", web::get().to(rapidoc_page))
        .route("/docs/rapidoc/", web::get().to(rapidoc_page))
        .route(
            "/rapidoc/rapidoc-min.js",
            web::get().to(|| async { RAPIDOC.respond() }),
        )
        .route(
            "/favicon.ico",
            web::get().to(|| async { FAVICON.respond() }),
        );
}

/// Whether `path` is one of these pages or assets (public, like the rest of the docs).
pub fn is_docs_ui_path(path: &str) -> bool {
    path == "/favicon.ico" || path == "/rapidoc/rapidoc-min.js"
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

async fn swagger_page() -> HttpResponse {
    html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{TITLE}</title>
  <link rel="icon" href="/favicon.ico">
  <link rel="stylesheet" href="/docs/swagger/swagger-ui.css">
  <style>.swagger-ui .topbar {{ background-color: #29235c; }}</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/swagger/swagger-ui-init.js"></script>
</body>
</html>
"#
    ))
}

async fn swagger_init() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .body(
            r##"window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/docs/json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
"##,
        )
}

async fn rapidoc_page(settings: web::Data<crate::state::AppState>) -> HttpResponse {
    let persist_auth = settings
        .config
        .settings
        .modules
        .get("coreHttpApi")
        .and_then(|m| m.pointer("/docs/rapidoc/persistAuth"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    html(format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{TITLE}</title>
  <link rel="icon" href="/favicon.ico">
  <script type="module" src="/rapidoc/rapidoc-min.js"></script>
</head>
<body>
  <rapi-doc spec-url="/docs/json" show-header="false" theme="dark" bg-color="#2B303B" text-color="#dee3ec"
    schema-description-expanded="true" default-schema-tab="example" persist-auth="{persist_auth}"></rapi-doc>
</body>
</html>
"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_asset_unpacks() {
        for asset in [
            &SWAGGER_BUNDLE,
            &SWAGGER_PRESET,
            &SWAGGER_CSS,
            &RAPIDOC,
            &FAVICON,
        ] {
            assert!(asset.bytes().len() > 100, "{}", asset.content_type);
        }
        assert!(FAVICON.bytes().starts_with(b"\x89PNG"));
    }
}
