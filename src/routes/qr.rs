//! QR code answers (`Accept: image/png`, connector-api §6.1): a PNG of a QR code that encodes the
//! DTO's `reference.url`, drawn like the `qrcode` npm library's defaults (error correction M, a
//! 4-module quiet zone, 4 pixels per module, black on white), sent as an attachment
//! `<id>.png`.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use qrcode::{Color, EcLevel, QrCode};
use serde_json::Value;

use crate::envelope;
use crate::error::ConnectorError;
use crate::http::accept::MediaType;
use crate::http::gate::Negotiated;

/// Pixels per module.
const SCALE: usize = 4;
/// Quiet zone in modules.
const MARGIN: usize = 4;

/// Whether the request negotiated the PNG variant.
pub fn wants_png(request: &HttpRequest) -> bool {
    request
        .extensions()
        .get::<Negotiated>()
        .is_some_and(|n| n.0 == Some(MediaType::Png))
}

/// Answers `dto` as the negotiated type: the JSON envelope, or the QR code of its reference
/// (`filename` in `Content-Disposition`, no `Location` even for 201).
pub fn respond(
    request: &HttpRequest,
    dto: &Value,
    filename: &str,
    status: StatusCode,
) -> Result<HttpResponse, ConnectorError> {
    if !wants_png(request) {
        return Ok(if status == StatusCode::CREATED {
            envelope::created(dto)
        } else {
            envelope::ok(dto)
        });
    }
    let url = dto["reference"]["url"].as_str().ok_or_else(|| {
        ConnectorError::unexpected(std::io::Error::other("the DTO has no reference.url"))
    })?;
    Ok(HttpResponse::build(status)
        .content_type("image/png")
        .insert_header((
            "Content-Disposition",
            format!("attachment;filename={}", encode_uri_component(filename)),
        ))
        .body(png(url)?))
}

/// The PNG bytes of the QR code of `text`.
pub fn png(text: &str) -> Result<Vec<u8>, ConnectorError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| ConnectorError::unexpected(std::io::Error::other(format!("QR code: {e}"))))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * MARGIN) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (index % modules + MARGIN, index / modules + MARGIN);
        for y in my * SCALE..(my + 1) * SCALE {
            pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
        }
    }
    let size = u32::try_from(side).map_err(ConnectorError::unexpected)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size, size);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(ConnectorError::unexpected)?;
    writer
        .write_image_data(&pixels)
        .map_err(ConnectorError::unexpected)?;
    writer.finish().map_err(ConnectorError::unexpected)?;
    Ok(out)
}

/// JavaScript's `encodeURIComponent`.
fn encode_uri_component(text: &str) -> String {
    const KEEP: &[u8] = b"-_.!~*'()";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || KEEP.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_has_the_library_default_geometry() {
        let text = "http://localhost:8090/r/TOKaaaaaaaaaaaaaaaaa#c2VjcmV0";
        let bytes = png(text).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        let modules = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .unwrap()
            .width();
        assert_eq!(info.width as usize, (modules + 8) * 4);
        assert_eq!(info.height, info.width);
    }

    #[test]
    fn filenames_are_uri_encoded() {
        assert_eq!(encode_uri_component("FILabc.png"), "FILabc.png");
        assert_eq!(encode_uri_component("a b/ä"), "a%20b%2F%C3%A4");
    }
}
