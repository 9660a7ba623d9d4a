//! QR code variants (`Accept: image/png`, connector-api §6.1): the PNG is read back with a QR
//! decoder and must carry the DTO's `reference.url`; the token routes make ephemeral tokens.

use serde_json::{Value, json};

use crate::helpers::{FULL_KEY, assert_error};
use crate::rest_peer::{Connector, in_a_day, load_template, pair};

struct Png {
    status: u16,
    disposition: String,
    has_location: bool,
    text: String,
    side: u32,
}

async fn png(c: &Connector, method: &str, path: &str, body: Option<Value>) -> Png {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, c.url(path))
        .header("X-API-KEY", FULL_KEY)
        .header("Accept", "image/png");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("content-type").as_deref(), Some("image/png"));
    let disposition = header("content-disposition").unwrap();
    let has_location = header("location").is_some();
    let bytes = response.bytes().await.unwrap();
    let (text, side) = decode(&bytes);
    Png {
        status,
        disposition,
        has_location,
        text,
        side,
    }
}

/// Decodes the PNG and reads its one QR code.
fn decode(bytes: &[u8]) -> (String, u32) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| buffer[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    let (_meta, text) = grids[0].decode().unwrap();
    (text, frame.width)
}

#[tokio::test]
async fn png_variants_encode_the_reference_url() {
    let (_backbone, a, b, _, _) = pair().await;

    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                        "expiresAt": in_a_day()}),
        )
        .await;
    let id = template["id"].as_str().unwrap();
    let answer = png(&a, "GET", &format!("/RelationshipTemplates/{id}"), None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text, template["reference"]["url"].as_str().unwrap());
    assert_eq!(answer.disposition, format!("attachment;filename={id}.png"));
    // 4 pixels per module, 4 modules of quiet zone: (version size + 8) * 4.
    assert_eq!((answer.side / 4 - 8 - 17) % 4, 0, "side {}", answer.side);

    // The token variant: 201 without Location, an ephemeral token whose URL a peer can load.
    let answer = png(
        &a,
        "POST",
        &format!("/RelationshipTemplates/Own/{id}/Token"),
        Some(json!({"ephemeral": false})),
    )
    .await;
    assert_eq!(answer.status, 201);
    assert!(!answer.has_location);
    assert_eq!(answer.disposition, format!("attachment;filename={id}.png"));
    let url = answer.text;
    assert!(url.contains("/r/TOK"), "{url}");
    assert!(
        a.get("/Tokens/Own").await.as_array().unwrap().is_empty(),
        "the QR code's token is ephemeral"
    );
    let loaded = load_template(&b, &json!(url)).await;
    assert_eq!(loaded["id"], id);

    // An own token by id.
    let token = a
        .post(
            "/Tokens/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": 1}, "expiresAt": in_a_day()}),
        )
        .await;
    let token_id = token["id"].as_str().unwrap();
    let answer = png(&a, "GET", &format!("/Tokens/{token_id}"), None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text, token["reference"]["url"].as_str().unwrap());
    assert_eq!(
        answer.disposition,
        format!("attachment;filename={token_id}.png")
    );

    // Files: the file's own reference, and a token for it.
    let form = reqwest::multipart::Form::new()
        .text("title", "qr")
        .text("expiresAt", in_a_day())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"hello".to_vec())
                .file_name("hello.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let file: Value = a.upload(form).await.json().await.unwrap();
    let file = &file["result"];
    let file_id = file["id"].as_str().unwrap();
    let answer = png(&a, "GET", &format!("/Files/{file_id}"), None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text, file["reference"]["url"].as_str().unwrap());
    assert_eq!(
        answer.disposition,
        format!("attachment;filename={file_id}.png")
    );
    let answer = png(
        &a,
        "POST",
        &format!("/Files/{file_id}/Token"),
        Some(json!({})),
    )
    .await;
    assert_eq!(answer.status, 201);
    assert!(answer.text.contains("/r/TOK"), "{}", answer.text);
    let loaded = b
        .post("/Files/Peer", json!({"reference": answer.text}))
        .await;
    assert_eq!(loaded["id"], file_id);

    // JSON stays the default; other image types are not acceptable.
    a.get(&format!("/Tokens/{token_id}")).await;
    let response = reqwest::Client::new()
        .get(a.url(&format!("/Tokens/{token_id}")))
        .header("X-API-KEY", FULL_KEY)
        .header("Accept", "image/jpeg")
        .send()
        .await
        .unwrap();
    assert_error(response, 406, "error.connector.http.notAcceptable").await;
}
