//! A description of one Backbone request (route, query, body, headers) that can be sent more than
//! once (the 401 retry re-sends it).

use reqwest::Method;
use serde::Serialize;

use crate::error::{BackboneError, Result};

/// A path like `/api/v2/Relationships/{id}/Accept` with its placeholders filled.
///
/// The template (with placeholders) is what tracing records; the filled segments are
/// percent-encoded one by one when the URL is built.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    template: &'static str,
    segments: Vec<String>,
}

impl Route {
    /// Fills the `{…}` segments of `template` with `args`, in order.
    pub(crate) fn new(template: &'static str, args: &[&str]) -> Self {
        let mut args = args.iter();
        let segments = template
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    args.next().map(|a| (*a).to_owned()).unwrap_or_default()
                } else {
                    segment.to_owned()
                }
            })
            .collect();
        debug_assert!(args.next().is_none(), "too many arguments for {template}");
        Self { template, segments }
    }

    /// The template, for logs.
    pub(crate) fn template(&self) -> &'static str {
        self.template
    }

    /// The full URL below `base`.
    pub(crate) fn url(&self, base: &reqwest::Url) -> Result<reqwest::Url> {
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|()| BackboneError::Config("base URL cannot have a path".into()))?
            .pop_if_empty()
            .extend(&self.segments);
        Ok(url)
    }
}

/// Query parameters in the encoding of the TypeScript client (backbone-api §1.5): repeated keys for
/// arrays of strings, `name.{i}.{property}` for arrays of objects.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// `key=value`.
    pub(crate) fn pair(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.push((key.into(), value.into()));
        self
    }

    /// `key=value` when `value` is present.
    pub(crate) fn opt(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.pair(key, v),
            None => self,
        }
    }

    /// `key=a&key=b…`.
    pub(crate) fn repeated<S: AsRef<str>>(mut self, key: &str, values: &[S]) -> Self {
        for value in values {
            self.0.push((key.to_owned(), value.as_ref().to_owned()));
        }
        self
    }

    /// `name.0.id=…&name.0.password=…&name.1.id=…` for `(id, password)` items.
    pub(crate) fn id_password_list<'a>(
        mut self,
        name: &str,
        items: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Self {
        for (index, (id, password)) in items.into_iter().enumerate() {
            self.0.push((format!("{name}.{index}.id"), id.to_owned()));
            if let Some(password) = password {
                self.0
                    .push((format!("{name}.{index}.password"), password.to_owned()));
            }
        }
        self
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub(crate) enum MultipartField {
    Text {
        name: &'static str,
        value: String,
    },
    File {
        name: &'static str,
        filename: &'static str,
        bytes: Vec<u8>,
    },
}

/// A request body that can be rebuilt for a retry.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Json(Vec<u8>),
    Form(Vec<(&'static str, String)>),
    Multipart(Vec<MultipartField>),
}

/// Everything needed to send (and re-send) one call.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) route: Route,
    pub(crate) query: Query,
    pub(crate) body: Body,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Request {
    pub(crate) fn new(method: Method, template: &'static str, args: &[&str]) -> Self {
        Self {
            method,
            route: Route::new(template, args),
            query: Query::new(),
            body: Body::Empty,
            headers: Vec::new(),
        }
    }

    pub(crate) fn get(template: &'static str, args: &[&str]) -> Self {
        Self::new(Method::GET, template, args)
    }

    pub(crate) fn post(template: &'static str, args: &[&str]) -> Self {
        Self::new(Method::POST, template, args)
    }

    pub(crate) fn put(template: &'static str, args: &[&str]) -> Self {
        Self::new(Method::PUT, template, args)
    }

    pub(crate) fn patch(template: &'static str, args: &[&str]) -> Self {
        Self::new(Method::PATCH, template, args)
    }

    pub(crate) fn delete(template: &'static str, args: &[&str]) -> Self {
        Self::new(Method::DELETE, template, args)
    }

    pub(crate) fn query(mut self, query: Query) -> Self {
        self.query = query;
        self
    }

    /// A JSON body (serialized once, re-sent as is).
    pub(crate) fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| BackboneError::Decode(format!("cannot serialize request body: {e}")))?;
        self.body = Body::Json(bytes);
        Ok(self)
    }

    /// The body `{}` that several PUT endpoints expect.
    pub(crate) fn empty_json(mut self) -> Self {
        self.body = Body::Json(b"{}".to_vec());
        self
    }

    pub(crate) fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(query: &Query) -> String {
        let mut url = reqwest::Url::parse("http://h/").unwrap();
        url.query_pairs_mut().extend_pairs(query.pairs());
        url.query().unwrap_or_default().to_owned()
    }

    #[test]
    fn route_fills_placeholders_and_encodes_segments() {
        let base = reqwest::Url::parse("http://localhost:8090").unwrap();
        let route = Route::new("/api/v2/Relationships/{id}/Accept", &["RELa"]);
        assert_eq!(route.template(), "/api/v2/Relationships/{id}/Accept");
        assert_eq!(
            route.url(&base).unwrap().as_str(),
            "http://localhost:8090/api/v2/Relationships/RELa/Accept"
        );
        let odd = Route::new("/api/v2/Tokens/{id}", &["a/b?c"]);
        assert_eq!(
            odd.url(&base).unwrap().as_str(),
            "http://localhost:8090/api/v2/Tokens/a%2Fb%3Fc"
        );
        let prefixed = reqwest::Url::parse("http://h/prefix/").unwrap();
        assert_eq!(
            Route::new("/connect/token", &[])
                .url(&prefixed)
                .unwrap()
                .as_str(),
            "http://h/prefix/connect/token"
        );
    }

    #[test]
    fn object_arrays_use_dotted_indexes() {
        let q =
            Query::new().id_password_list("templates", [("RLT1", Some("pw+/=")), ("RLT2", None)]);
        assert_eq!(
            encoded(&q),
            "templates.0.id=RLT1&templates.0.password=pw%2B%2F%3D&templates.1.id=RLT2"
        );
    }

    #[test]
    fn string_arrays_repeat_the_key() {
        let q = Query::new()
            .repeated("ids", &["A", "B"])
            .pair("localIndex", "5");
        assert_eq!(encoded(&q), "ids=A&ids=B&localIndex=5");
        assert!(!q.is_empty());
        assert!(Query::new().opt("password", None).is_empty());
    }
}
