//! The Backbone's JSON envelopes (backbone-api §1.2): `{"result":…,"pagination":…}` on success,
//! `{"error":{…}}` on failure.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::dto::Pagination;
use crate::error::{BackboneError, CODE_FORBIDDEN, Result};

#[derive(Deserialize)]
struct ResultEnvelope<T> {
    result: Option<T>,
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    #[serde(default)]
    message: Option<String>,
}

fn decode_error(e: &serde_json::Error) -> BackboneError {
    BackboneError::Decode(e.to_string())
}

/// The `result` of a 200/201 body; a missing or `null` result is [`BackboneError::MissingResult`].
pub(crate) fn result<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    page(body).map(|(result, _)| result)
}

/// The `result` and the optional `pagination` of a (list) body.
pub(crate) fn page<T: DeserializeOwned>(body: &[u8]) -> Result<(T, Option<Pagination>)> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BackboneError::MissingResult);
    }
    let envelope: ResultEnvelope<T> = serde_json::from_slice(body).map_err(|e| decode_error(&e))?;
    let result = envelope.result.ok_or(BackboneError::MissingResult)?;
    Ok((result, envelope.pagination))
}

/// Accepts both an enveloped (`{"result":…}`) and a bare body, for endpoints whose envelope use
/// is not certain (version, tags).
pub(crate) fn result_or_bare<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| decode_error(&e))?;
    let inner = match value {
        serde_json::Value::Object(mut map) if map.contains_key("result") => {
            map.remove("result").unwrap_or_default()
        }
        other => other,
    };
    if inner.is_null() {
        return Err(BackboneError::MissingResult);
    }
    serde_json::from_value(inner).map_err(|e| decode_error(&e))
}

/// Maps a non-success status (other than 401) to an error, reading the error envelope if any.
pub(crate) fn error_for_status(status: u16, body: &[u8], route: &str) -> BackboneError {
    if let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(body) {
        return BackboneError::Api {
            status,
            code: envelope.error.code,
            message: envelope.error.message.unwrap_or_default(),
        };
    }
    match status {
        403 => BackboneError::Api {
            status,
            code: CODE_FORBIDDEN.to_owned(),
            message: "forbidden".to_owned(),
        },
        404 => BackboneError::Unreachable(route.to_owned()),
        _ => BackboneError::UnexpectedStatus(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_result_and_pagination() {
        let body = br#"{"result":[1,2],"pagination":{"pageNumber":1,"pageSize":2,"totalPages":3,"totalRecords":6}}"#;
        let (items, pagination) = page::<Vec<u32>>(body).unwrap();
        assert_eq!(items, vec![1, 2]);
        let p = pagination.unwrap();
        assert_eq!((p.page_number, p.total_pages, p.total_records), (1, 3, 6));
        assert_eq!(
            result::<Vec<u32>>(br#"{"result":[]}"#).unwrap(),
            Vec::<u32>::new()
        );
    }

    #[test]
    fn missing_or_null_result() {
        assert!(matches!(
            result::<u32>(br#"{"result":null}"#),
            Err(BackboneError::MissingResult)
        ));
        assert!(matches!(
            result::<u32>(br"{}"),
            Err(BackboneError::MissingResult)
        ));
        assert!(matches!(
            result::<u32>(b""),
            Err(BackboneError::MissingResult)
        ));
        assert!(matches!(
            result::<u32>(br#"{"result":"x"}"#),
            Err(BackboneError::Decode(_))
        ));
    }

    #[test]
    fn bare_or_enveloped() {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct V {
            major_version: String,
        }
        let a: V = result_or_bare(br#"{"result":{"majorVersion":"6"}}"#).unwrap();
        let b: V = result_or_bare(br#"{"majorVersion":"7"}"#).unwrap();
        assert_eq!(
            (a.major_version.as_str(), b.major_version.as_str()),
            ("6", "7")
        );
    }

    #[test]
    fn error_envelope_is_parsed() {
        let body = br#"{"error":{"id":"ERRA1B2C3D4E5F6G7H8J","code":"error.platform.recordNotFound","message":"Relationship not found.","docs":"","time":"2025-03-01T10:00:00.000Z","data":null}}"#;
        match error_for_status(404, body, "/api/v2/Relationships/{id}") {
            BackboneError::Api {
                status,
                code,
                message,
            } => {
                assert_eq!(status, 404);
                assert_eq!(code, "error.platform.recordNotFound");
                assert_eq!(message, "Relationship not found.");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statuses_without_envelope() {
        assert!(matches!(
            error_for_status(404, b"", "/x"),
            BackboneError::Unreachable(_)
        ));
        assert!(error_for_status(403, b"", "/x").is_forbidden());
        assert!(error_for_status(403, b"", "/x").has_code(CODE_FORBIDDEN));
        assert!(matches!(
            error_for_status(409, b"nope", "/x"),
            BackboneError::UnexpectedStatus(409)
        ));
        assert!(matches!(
            error_for_status(400, br#"{"error":"invalid_grant"}"#, "/x"),
            BackboneError::UnexpectedStatus(400)
        ));
        // a quota error keeps its code although the TypeScript client would lose it
        let quota =
            br#"{"error":{"code":"error.platform.quotaExhausted","message":"q","data":[]}}"#;
        assert!(error_for_status(429, quota, "/x").has_code("error.platform.quotaExhausted"));
    }
}
