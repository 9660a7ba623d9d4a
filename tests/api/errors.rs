//! The error envelope, 404/405/406, the JSON body errors and "not implemented yet".

use crate::helpers::*;

#[tokio::test]
async fn unknown_route_is_404_after_authentication() {
    let app = spawn_app().await;
    let error = assert_error(
        app.get("/api/core/v1/Tokens", Some(FULL_KEY)).await,
        404,
        "error.connector.http.routeDoesNotExist",
    )
    .await;
    assert_eq!(error["message"], "The requested route does not exist.");
    assert_error(
        app.get("/nothing/here", Some(FULL_KEY)).await,
        404,
        "error.connector.http.routeDoesNotExist",
    )
    .await;
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let app = spawn_app().await;
    let response = app
        .client
        .patch(app.url("/api/core/v1/Files"))
        .header("X-API-KEY", FULL_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET");
    assert_error(response, 405, "error.connector.http.methodNotAllowed").await;
    let response = app
        .client
        .put(app.url("/api/core/v1/Tokens/Own"))
        .header("X-API-KEY", FULL_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "POST, GET");
    let error = assert_error(response, 405, "error.connector.http.methodNotAllowed").await;
    assert_eq!(
        error["message"],
        "The request method is not supported for the requested resource."
    );
}

/// One path, two templates (`GET /Files/{idOrReference}`, `DELETE /Files/{id}`): `Allow` names
/// both, for `OPTIONS` as for any other undeclared method.
#[tokio::test]
async fn allow_of_a_file_lists_get_and_delete() {
    let app = spawn_app().await;
    for method in ["OPTIONS", "PUT"] {
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url("/api/core/v1/Files/FILaaaaaaaaaaaaaaaaa"),
            )
            .header("X-API-KEY", FULL_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "GET, DELETE", "{method}");
        assert_error(response, 405, "error.connector.http.methodNotAllowed").await;
    }
}

/// `/health` is public, so a wrong method on it is a 405 with `Allow: GET`, without a key.
#[tokio::test]
async fn wrong_method_on_health_is_405() {
    let app = spawn_app().await;
    for method in ["TRACE", "POST"] {
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url("/health"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "GET", "{method}");
        assert_error(response, 405, "error.connector.http.methodNotAllowed").await;
    }
}

/// A body that trickles in (one byte a second) is cut off at the request timeout: 408, and the
/// connection is closed. Time itself is under test here: the deadline is 2 s and the client
/// sends a byte every second.
#[tokio::test]
async fn a_body_slower_than_the_request_timeout_is_408_and_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(
        |env| {
            env.push((
                "infrastructure__httpServer__requestTimeoutSeconds".into(),
                "2".into(),
            ));
        },
        "http://127.0.0.1:9",
    )
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/core/v1/Tokens/Peer HTTP/1.1\r\nHost: {address}\r\nX-API-KEY: {FULL_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b" ").await.is_err() {
                break;
            }
            // Time under test: a body that trickles in slower than the server's body timeout.
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
    let mut answer = Vec::new();
    // Read to the end: the server closes the connection after its answer.
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        reader.read_to_end(&mut answer),
    )
    .await
    .expect("the connection stayed open")
    .ok();
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("error.connector.http.requestTimeout"),
        "{answer}"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= std::time::Duration::from_secs(2)
            && elapsed < std::time::Duration::from_secs(20),
        "answered after {elapsed:?}"
    );
}

#[tokio::test]
async fn unsatisfiable_accept_is_406() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/core/v1/Messages"))
        .header("X-API-KEY", FULL_KEY)
        .header("Accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_error(response, 406, "error.connector.http.notAcceptable").await;
    // a PNG-capable route accepts it (without a Backbone: the business error, not 406)
    let response = app
        .client
        .get(app.url("/api/core/v1/Tokens/TOKabcdefghijklmnopq"))
        .header("X-API-KEY", FULL_KEY)
        .header("Accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["vary"],
        "Accept",
        "GET routes with declared types vary on Accept"
    );
    assert_error(response, 400, "error.connector.transportUnavailable").await;
}

#[tokio::test]
async fn routes_match_case_insensitively_and_reach_their_handler() {
    // ValidateIQLQuery was the last catalogued route answering 501; it now reads its body
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/API/CORE/V1/attributes/validateIQLquery/"))
        .header("X-API-KEY", FULL_KEY)
        .json(&serde_json::json!({"content": {}}))
        .send()
        .await
        .unwrap();
    let error = assert_error(
        response,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(
        error["message"], "must have required property 'query'",
        "{error}"
    );
}

#[tokio::test]
async fn business_routes_without_a_backbone_say_so() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/core/v1/Messages"))
        .header("X-API-KEY", FULL_KEY)
        .json(&serde_json::json!({"recipients": [], "content": {}}))
        .send()
        .await
        .unwrap();
    assert_error(response, 400, "error.connector.transportUnavailable").await;
}

#[tokio::test]
async fn status_mapping_of_application_errors() {
    use actix_web::ResponseError;
    use connector::ConnectorError;
    assert_eq!(
        ConnectorError::record_not_found("Token")
            .status_code()
            .as_u16(),
        404
    );
    assert_eq!(ConnectorError::validation("x").status_code().as_u16(), 400);
    assert_eq!(
        ConnectorError::InvalidJsonInPayload.code(),
        "error.connector.validation.invalidJsonInPayload"
    );
    let response = ConnectorError::record_not_found("Token").error_response();
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn success_envelope_helpers() {
    use actix_web::body::to_bytes;
    let created = connector::envelope::created(&serde_json::json!({"id": "TOK1"}));
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(created.headers().get("location").unwrap(), "_");
    let body = to_bytes(created.into_body()).await.unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"result": {"id": "TOK1"}})
    );
    assert_eq!(connector::envelope::no_content().status().as_u16(), 204);
}
