//! Token / template / file references: truncated form, URL form and JSON (§12).

use crate::encoding::{b64_decode, b64_encode, b64url_decode_utf8, b64url_encode};
use crate::error::{CryptoError, Result};
use crate::json::{Obj, b64v, parse_json, sorted_object};
use crate::secret_key::{ENCRYPTION_ALG_XCHACHA20, SecretKey};
use serde_json::Value;

fn bad(why: impl Into<String>) -> CryptoError {
    CryptoError::Reference(why.into())
}

/// The password protection embedded in a reference (`SharedPasswordProtection`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedPasswordProtection {
    /// `pw` or `pin4` … `pin16`.
    pub password_type: String,
    /// 16-byte salt.
    pub salt: [u8; 16],
    /// Where the password can be found, 0–99.
    pub password_location_indicator: Option<u8>,
    /// Clear-text password, if embedded (transport never does).
    pub password: Option<String>,
}

fn valid_password_type(t: &str) -> bool {
    t == "pw"
        || t.strip_prefix("pin")
            .and_then(|n| {
                n.parse::<u8>()
                    .ok()
                    .filter(|_| !n.starts_with('0') && !n.starts_with('+'))
            })
            .is_some_and(|n| (4..=16).contains(&n))
}

impl SharedPasswordProtection {
    /// `type&saltStd[&indicator][&password]`.
    pub fn truncate(&self) -> String {
        let base = format!("{}&{}", self.password_type, b64_encode(&self.salt));
        if self.password_location_indicator.is_none() && self.password.is_none() {
            return base;
        }
        let indicator = self
            .password_location_indicator
            .map(|i| i.to_string())
            .unwrap_or_default();
        match self.password.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => format!("{base}&{indicator}&{p}"),
            None => format!("{base}&{indicator}"),
        }
    }

    /// Parses the password part; empty means none.
    pub fn from_truncated(text: &str) -> Result<Option<Self>> {
        if text.is_empty() {
            return Ok(None);
        }
        let parts: Vec<&str> = text.split('&').collect();
        if !(2..=4).contains(&parts.len()) {
            return Err(bad("the password part must have 2, 3 or 4 components"));
        }
        let indicator = match parts.get(2) {
            Some(s) if !s.is_empty() => Some(parse_indicator(s)?),
            _ => None,
        };
        let salt = b64_decode(parts[1]).map_err(|_| bad("the salt must be standard Base64"))?;
        Self::build(
            parts[0],
            &salt,
            indicator,
            parts
                .get(3)
                .filter(|p| !p.is_empty())
                .map(|p| p.to_string()),
        )
        .map(Some)
    }

    fn build(
        password_type: &str,
        salt: &[u8],
        password_location_indicator: Option<u8>,
        password: Option<String>,
    ) -> Result<Self> {
        if !valid_password_type(password_type) {
            return Err(bad(format!("invalid password type `{password_type}`")));
        }
        let salt: [u8; 16] = salt
            .try_into()
            .map_err(|_| bad("the salt must be 16 bytes long"))?;
        Ok(Self {
            password_type: password_type.to_owned(),
            salt,
            password_location_indicator,
            password,
        })
    }

    /// ts-serval JSON (sorted keys, salt base64url).
    pub fn to_value(&self) -> Value {
        let mut pairs = vec![
            ("passwordType", Value::from(self.password_type.clone())),
            ("salt", b64v(&self.salt)),
        ];
        if let Some(i) = self.password_location_indicator {
            pairs.push(("passwordLocationIndicator", Value::from(i)));
        }
        if let Some(p) = &self.password {
            pairs.push(("password", Value::from(p.clone())));
        }
        sorted_object(pairs)
    }

    /// Parses the ts-serval JSON.
    pub fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, "SharedPasswordProtection")?;
        let indicator = match o.opt("passwordLocationIndicator") {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|i| *i <= 99)
                    .and_then(|i| u8::try_from(i).ok())
                    .ok_or_else(|| bad("passwordLocationIndicator must be an integer 0..99"))?,
            ),
        };
        Self::build(
            o.str("passwordType")?,
            &o.bytes_vec("salt")?,
            indicator,
            o.opt_str("password")?,
        )
    }
}

fn parse_indicator(s: &str) -> Result<u8> {
    s.parse::<u8>()
        .ok()
        .filter(|i| *i <= 99)
        .ok_or_else(|| bad(format!("invalid password location indicator `{s}`")))
}

/// A reference to a token, relationship template or file (`TOK`/`RLT`/`FIL` ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The Backbone id (20 alphanumeric characters).
    pub id: String,
    /// Backbone base URL, if embedded.
    pub backbone_base_url: Option<String>,
    /// Key of the referenced object.
    pub key: SecretKey,
    /// Last 4 hex characters of the intended recipient's address.
    pub for_identity_truncated: Option<String>,
    /// Password protection of the referenced object.
    pub password_protection: Option<SharedPasswordProtection>,
}

fn valid_id(id: &str) -> bool {
    id.len() == 20 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn valid_for_identity(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Reference {
    /// `alg|key|forIdentity|password` — shared tail of both forms.
    fn tail(&self) -> String {
        format!(
            "{ENCRYPTION_ALG_XCHACHA20}|{}|{}|{}",
            b64url_encode(self.key.as_bytes()),
            self.for_identity_truncated.as_deref().unwrap_or(""),
            self.password_protection
                .as_ref()
                .map(SharedPasswordProtection::truncate)
                .unwrap_or_default()
        )
    }

    /// The truncated form: base64url of `id[@baseUrl]|alg|key|forIdentity|password`.
    pub fn truncate(&self) -> String {
        let id_part = match &self.backbone_base_url {
            Some(url) => format!("{}@{url}", self.id),
            None => self.id.clone(),
        };
        b64url_encode(format!("{id_part}|{}", self.tail()).as_bytes())
    }

    /// `${baseUrl}/r/${id}[?app=…]#${base64url(tail)}`; needs a base URL.
    pub fn to_url(&self, app_id: Option<&str>) -> Result<String> {
        let base = self
            .backbone_base_url
            .as_deref()
            .ok_or_else(|| bad("a backbone base URL is required for the URL form"))?;
        let app = app_id
            .filter(|a| !a.is_empty())
            .map(|a| format!("?app={a}"))
            .unwrap_or_default();
        Ok(format!(
            "{base}/r/{}{app}#{}",
            self.id,
            b64url_encode(self.tail().as_bytes())
        ))
    }

    fn build(
        id: &str,
        backbone_base_url: Option<String>,
        alg: &str,
        key: &str,
        for_identity: &str,
        password: &str,
    ) -> Result<Self> {
        if !valid_id(id) {
            return Err(bad(format!("invalid id `{id}`")));
        }
        let alg_num: i64 = alg
            .parse()
            .map_err(|_| bad("the algorithm must be an integer"))?;
        if alg_num != ENCRYPTION_ALG_XCHACHA20 as i64 {
            return Err(CryptoError::UnsupportedAlgorithm {
                what: "encryption",
                alg: alg_num,
            });
        }
        let key_bytes: [u8; 32] = crate::encoding::b64url_decode(key)?
            .try_into()
            .map_err(|_| bad("the key must be 32 bytes"))?;
        let for_identity_truncated = if for_identity.is_empty() {
            None
        } else if valid_for_identity(for_identity) {
            Some(for_identity.to_owned())
        } else {
            return Err(bad(
                "forIdentityTruncated must be 4 lowercase hex characters",
            ));
        };
        Ok(Self {
            id: id.to_owned(),
            backbone_base_url,
            key: SecretKey::from_bytes(key_bytes),
            for_identity_truncated,
            password_protection: SharedPasswordProtection::from_truncated(password)?,
        })
    }

    /// Parses the truncated form (3 or 5 `|`-separated components).
    pub fn from_truncated(text: &str) -> Result<Self> {
        let decoded = b64url_decode_utf8(text)?;
        let parts: Vec<&str> = decoded.split('|').collect();
        if parts.len() != 3 && parts.len() != 5 {
            return Err(bad(format!(
                "a truncated reference has 3 or 5 components, not {}",
                parts.len()
            )));
        }
        let (id, base_url) = match parts[0].split_once('@') {
            Some((id, url)) => (id, Some(url.to_owned())),
            None => (parts[0], None),
        };
        Self::build(
            id,
            base_url,
            parts[1],
            parts[2],
            parts.get(3).copied().unwrap_or(""),
            parts.get(4).copied().unwrap_or(""),
        )
    }

    /// Parses the URL form `<origin><path>/r/<id>[?…]#<fragment>`.
    pub fn from_url(text: &str) -> Result<Self> {
        let (before_hash, fragment) = text
            .split_once('#')
            .ok_or_else(|| bad("the URL has no fragment"))?;
        let without_query = before_hash.split('?').next().unwrap_or(before_hash);
        let (scheme, after_scheme) = without_query
            .split_once("://")
            .ok_or_else(|| bad("not an absolute URL"))?;
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Err(bad("invalid URL scheme"));
        }
        let (host, path) = match after_scheme.find('/') {
            Some(i) => after_scheme.split_at(i),
            None => (after_scheme, ""),
        };
        if host.is_empty() {
            return Err(bad("the URL has no host"));
        }
        let (base_path, id) = path
            .rsplit_once("/r/")
            .filter(|(_, id)| !id.is_empty() && !id.contains('/'))
            .ok_or_else(|| bad("the URL path does not end in /r/<id>"))?;
        let tail = b64url_decode_utf8(fragment)?;
        let parts: Vec<&str> = tail.split('|').collect();
        if parts.len() != 4 {
            return Err(bad("the URL fragment must be alg|key|forIdentity|password"));
        }
        let base_url = format!("{scheme}://{host}{base_path}");
        Self::build(id, Some(base_url), parts[0], parts[1], parts[2], parts[3])
    }

    /// Either form: URLs start with `http`, everything else is truncated.
    pub fn parse(text: &str) -> Result<Self> {
        if text.starts_with("http") {
            Self::from_url(text)
        } else {
            Self::from_truncated(text)
        }
    }

    /// The class name by id prefix (`TokenReference`, `RelationshipTemplateReference`,
    /// `FileReference`), or `Reference`.
    pub fn type_name(&self) -> &'static str {
        match self.id.get(..3) {
            Some("TOK") => "TokenReference",
            Some("RLT") => "RelationshipTemplateReference",
            Some("FIL") => "FileReference",
            _ => "Reference",
        }
    }

    /// ts-serval JSON (sorted keys); `verbose` adds `@type` by id prefix.
    pub fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("id", Value::from(self.id.clone())),
            ("key", self.key.to_value(false)),
        ];
        if verbose {
            pairs.push(("@type", Value::from(self.type_name())));
        }
        if let Some(u) = &self.backbone_base_url {
            pairs.push(("backboneBaseUrl", Value::from(u.clone())));
        }
        if let Some(f) = &self.for_identity_truncated {
            pairs.push(("forIdentityTruncated", Value::from(f.clone())));
        }
        if let Some(p) = &self.password_protection {
            pairs.push(("passwordProtection", p.to_value()));
        }
        sorted_object(pairs)
    }

    /// The JSON string of [`Reference::to_value`].
    pub fn to_json(&self, verbose: bool) -> String {
        self.to_value(verbose).to_string()
    }

    /// Parses the ts-serval JSON (any `@type`).
    pub fn from_value(value: &Value) -> Result<Self> {
        let map = value
            .as_object()
            .ok_or_else(|| bad("a reference must be a JSON object"))?;
        let mut stripped = map.clone();
        stripped.remove("@type");
        let stripped = Value::Object(stripped);
        let o = Obj::new(&stripped, "Reference")?;
        let id = o.str("id")?;
        if !valid_id(id) {
            return Err(bad(format!("invalid id `{id}`")));
        }
        let for_identity_truncated = o.opt_str("forIdentityTruncated")?;
        if for_identity_truncated
            .as_deref()
            .is_some_and(|f| !valid_for_identity(f))
        {
            return Err(bad(
                "forIdentityTruncated must be 4 lowercase hex characters",
            ));
        }
        Ok(Self {
            id: id.to_owned(),
            backbone_base_url: o.opt_str("backboneBaseUrl")?,
            key: SecretKey::from_value(o.get("key")?)?,
            for_identity_truncated,
            password_protection: o
                .opt("passwordProtection")
                .map(SharedPasswordProtection::from_value)
                .transpose()?,
        })
    }

    /// Parses a JSON string.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::from_value(&parse_json(text)?)
    }
}
