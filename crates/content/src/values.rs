//! Attribute values (`attribute-value-types.tsv`): one table row per value type with its fields and
//! validation rules. A parsed [`AttributeValue`] keeps its normalized JSON (components as bare
//! primitives, defaults applied, unknown keys dropped), so rendering is exact and lossless.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::data::{COUNTRIES, LANGUAGES};
use crate::error::{ContentError, Result};
use crate::json::{Obj, js_len, number_json, type_of, unknown_type};
use crate::{bank, hints};

/// Whether a value type belongs to IdentityAttributes or RelationshipAttributes (no type is both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    Identity,
    Relationship,
}

/// What a field holds and how it is checked.
#[derive(Clone, Copy)]
enum Field {
    /// A string with a JavaScript length in `min..=max` and an optional extra check (returns why it failed).
    Str {
        min: usize,
        max: usize,
        check: Option<fn(&str) -> Option<String>>,
    },
    /// An integer in `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
    /// Any finite number.
    Num,
    Bool,
    /// Any JSON whose `JSON.stringify` length is at most `max`.
    Json {
        max: usize,
    },
    /// `VerifiableCredential.value`: a string or a JSON object.
    StrOrObject {
        max: usize,
    },
    /// `valueHintsOverride`.
    HintsOverride,
    /// An array of arbitrary JSON objects with at most `max` entries.
    ObjectArray {
        max: usize,
    },
}

/// A rule across the fields of one value; returns why it failed.
type ObjectCheck = fn(&Map<String, Value>) -> Option<String>;

struct FieldSpec {
    name: &'static str,
    required: bool,
    field: Field,
}

/// One value type of the TSV.
pub struct ValueTypeSpec {
    pub name: &'static str,
    pub kind: ValueKind,
    /// The first `@nmshd/content` version that knows the type (`"7.0.0"`, `"7.1.0"`, …).
    pub since: &'static str,
    /// Complex types accept their components as `{"@type": …, "value": v}` on input and emit bare primitives.
    complex: bool,
    fields: &'static [FieldSpec],
    /// Rules across fields (BirthDate is a calendar date, Consent.linkDisplayText needs a link).
    object_check: Option<ObjectCheck>,
}

const fn req(name: &'static str, field: Field) -> FieldSpec {
    FieldSpec {
        name,
        required: true,
        field,
    }
}
const fn opt(name: &'static str, field: Field) -> FieldSpec {
    FieldSpec {
        name,
        required: false,
        field,
    }
}
const fn s(max: usize) -> Field {
    Field::Str {
        min: 0,
        max,
        check: None,
    }
}
const fn sc(min: usize, max: usize, check: fn(&str) -> Option<String>) -> Field {
    Field::Str {
        min,
        max,
        check: Some(check),
    }
}
const COUNTRY: Field = sc(2, 2, check_country);
const LANGUAGE: Field = sc(2, 2, check_language);
const TITLE: FieldSpec = req("title", s(100));
const DESCRIPTION: FieldSpec = opt("description", s(1000));
const OVERRIDE: FieldSpec = opt("valueHintsOverride", Field::HintsOverride);
const SCHEMA_URL: FieldSpec = opt("schemaURL", sc(3, 1024, check_schema_url));

fn check_country(v: &str) -> Option<String> {
    (!COUNTRIES.contains(&v))
        .then(|| format!("must be an ISO 3166-1 alpha-2 country code, got \"{v}\""))
}
fn check_language(v: &str) -> Option<String> {
    (!LANGUAGES.contains(&v)).then(|| format!("must be an ISO 639-1 language code, got \"{v}\""))
}

fn regex_check(re: &Regex, v: &str, what: &str) -> Option<String> {
    (!re.is_match(v)).then(|| format!("is not a valid {what}"))
}

// JavaScript regexes without the `u` flag: `\w`/`\d` are ASCII-only, hence the explicit classes.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9ÄäÖöÜüß]([A-Za-z0-9ÄäÖöÜüß-]{0,61}[A-Za-z0-9ÄäÖöÜüß])?\.)+[A-Za-z0-9ÄäÖöÜüß][A-Za-z0-9ÄäÖöÜüß-]{0,61}[A-Za-z0-9ÄäÖöÜüß]$",
    )
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| compile(r"^[0-9+\-x#*()/\[\] ]{3,100}$"));
static URL: LazyLock<Regex> = LazyLock::new(|| compile(URL_PATTERN));
/// The consent link regex (ConsentRequestItem.link, Consent.link): like the schemaURL one but case-insensitive and
/// without `\\` in the path. `(?i-u)`: JavaScript's non-Unicode `i` flag folds ASCII only.
static CONSENT_URL: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i-u)^((([A-Za-z]{3,9}:(?://)?)(?:[-;:&=+$,A-Za-z0-9_]+@)?[A-Za-z0-9.-]+|(?:www\.|[-;:&=+$,A-Za-z0-9_]+@)[A-Za-z0-9.-]+)((?:/[+~%/.A-Za-z0-9_\-_]*)?\??(?:[-+=&;%@.A-Za-z0-9__]*)#?(?:[.!/\\A-Za-z0-9_]*))?)$",
    )
});
const URL_PATTERN: &str = r"^((([A-Za-z]{3,9}:(?://)?)(?:[-;:&=+$,A-Za-z0-9_]+@)?[A-Za-z0-9.-]+|(?:www\.|[-;:&=+$,A-Za-z0-9_]+@)[A-Za-z0-9.-]+)((?:/[+~%/\\.A-Za-z0-9_\-_]*)?\??(?:[-+=&;%@.A-Za-z0-9__]*)#?(?:[.!/\\A-Za-z0-9_]*))?)$";
static HEX_COLOR: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i-u)^#([0-9A-F]{3}){1,2}$"));
static WEBSITE_SCHEME: LazyLock<Regex> = LazyLock::new(|| compile(r"^[A-Za-z]+://"));
static WEBSITE_REST: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^([A-Za-z0-9ÄäÖöÜüß]([A-Za-zÄäÖöÜüß0-9-]{0,61}[A-Za-zÄäÖöÜüß0-9])?\.)+([A-Za-z0-9ÄäÖöÜüß]([A-Za-zÄäÖöÜüß0-9-]{0,61}[A-Za-zÄäÖöÜüß0-9])?)(:[0-9]+)?(/[A-Za-zÄäÖöÜüß0-9?#@!$&'()*+,;=%-]*)*$",
    )
});

#[expect(
    clippy::expect_used,
    reason = "the patterns are constants, checked by every test run"
)]
pub(crate) fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("constant regex")
}

fn check_email(v: &str) -> Option<String> {
    regex_check(&EMAIL, v, "e-mail address")
}
fn check_phone(v: &str) -> Option<String> {
    regex_check(&PHONE, v, "phone number")
}
fn check_schema_url(v: &str) -> Option<String> {
    regex_check(&URL, v, "URL")
}
pub(crate) fn check_consent_link(v: &str) -> Option<String> {
    regex_check(&CONSENT_URL, v, "URL")
}
fn check_hex_color(v: &str) -> Option<String> {
    regex_check(&HEX_COLOR, v, "hex color")
}
/// The Website regex `^([A-Za-z]+:\/\/)?((www\.)|(?!www\.))(host…)…$` without look-ahead: after the optional
/// scheme, a leading `www.` is always consumed as the prefix (the look-ahead forbids reading it as a host label).
fn check_website(v: &str) -> Option<String> {
    let rest = WEBSITE_SCHEME.find(v).map_or(v, |m| &v[m.end()..]);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    (!WEBSITE_REST.is_match(rest)).then(|| "is not a valid website".to_string())
}
fn one_of(v: &str, allowed: &[&str]) -> Option<String> {
    (!allowed.contains(&v)).then(|| format!("must be one of {allowed:?}, got \"{v}\""))
}
fn check_sex(v: &str) -> Option<String> {
    one_of(v, &["intersex", "female", "male"])
}
fn check_marital_status(v: &str) -> Option<String> {
    one_of(
        v,
        &[
            "single",
            "married",
            "separated",
            "divorced",
            "widowed",
            "civilPartnership",
            "civilPartnershipDissolved",
            "civilPartnerDeceased",
        ],
    )
}
fn check_iban(v: &str) -> Option<String> {
    (!bank::is_valid_iban(v)).then(|| "is not a valid IBAN".to_string())
}
fn check_bic(v: &str) -> Option<String> {
    (!bank::is_valid_bic(v)).then(|| "is not a valid BIC".to_string())
}

fn check_birth_date(map: &Map<String, Value>) -> Option<String> {
    let get = |k: &str| map.get(k).and_then(Value::as_f64).map(|n| n as i64);
    let (Some(day), Some(month), Some(year)) = (get("day"), get("month"), get("year")) else {
        return None;
    };
    let month_enum = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = match time::Date::from_calendar_date(
        i32::try_from(year).ok()?,
        month_enum,
        u8::try_from(day).ok()?,
    ) {
        Ok(d) => d,
        Err(_) => return Some("The BirthDate is not a valid date.".into()),
    };
    (date > time::OffsetDateTime::now_utc().date())
        .then(|| "The BirthDate must not be in the future.".into())
}

fn check_consent(map: &Map<String, Value>) -> Option<String> {
    (map.contains_key("linkDisplayText") && !map.contains_key("link"))
        .then(|| "Consent.linkDisplayText is only allowed if a link is set".into())
}

macro_rules! primitive {
    ($name:literal, $kind:expr, $since:literal, $field:expr) => {
        ValueTypeSpec {
            name: $name,
            kind: $kind,
            since: $since,
            complex: false,
            fields: &[req("value", $field)],
            object_check: None,
        }
    };
}
macro_rules! proprietary {
    ($name:literal, $field:expr) => {
        ValueTypeSpec {
            name: $name,
            kind: ValueKind::Relationship,
            since: "7.0.0",
            complex: false,
            fields: &[TITLE, DESCRIPTION, OVERRIDE, req("value", $field)],
            object_check: None,
        }
    };
}

use ValueKind::{Identity as I, Relationship as R};

/// Every value type known at nmshd/runtime HEAD (29 Identity + 14 Relationship).
pub static VALUE_TYPES: &[ValueTypeSpec] = &[
    ValueTypeSpec {
        name: "Affiliation",
        kind: I,
        since: "7.0.0",
        complex: true,
        fields: &[
            req("organization", s(100)),
            opt("role", s(100)),
            opt("unit", s(100)),
        ],
        object_check: None,
    },
    ValueTypeSpec {
        name: "BankAccount",
        kind: I,
        since: "7.1.0",
        complex: true,
        fields: &[
            req("accountHolder", s(100)),
            req("iban", sc(14, 34, check_iban)),
            opt("bic", sc(8, 11, check_bic)),
        ],
        object_check: None,
    },
    ValueTypeSpec {
        name: "BirthDate",
        kind: I,
        since: "7.0.0",
        complex: true,
        fields: &[
            req("day", Field::Int { min: 1, max: 31 }),
            req("month", Field::Int { min: 1, max: 12 }),
            req("year", Field::Int { min: 1, max: 9999 }),
        ],
        object_check: Some(check_birth_date),
    },
    primitive!("BirthName", I, "7.0.0", s(100)),
    ValueTypeSpec {
        name: "BirthPlace",
        kind: I,
        since: "7.0.0",
        complex: true,
        fields: &[
            req("city", s(100)),
            req("country", COUNTRY),
            opt("state", s(100)),
        ],
        object_check: None,
    },
    primitive!("Citizenship", I, "7.0.0", COUNTRY),
    primitive!("CommunicationLanguage", I, "7.0.0", LANGUAGE),
    ValueTypeSpec {
        name: "DeliveryBoxAddress",
        kind: I,
        since: "7.0.0",
        complex: true,
        fields: &[
            req("recipient", s(100)),
            req("userId", s(100)),
            req("deliveryBoxId", s(100)),
            req("zipCode", s(100)),
            req("city", s(100)),
            req("country", COUNTRY),
            opt("phoneNumber", sc(3, 100, check_phone)),
            opt("state", s(100)),
        ],
        object_check: None,
    },
    primitive!("DisplayName", I, "7.0.0", s(100)),
    primitive!("EMailAddress", I, "7.0.0", sc(3, 254, check_email)),
    primitive!("FaxNumber", I, "7.0.0", sc(3, 100, check_phone)),
    primitive!("GivenName", I, "7.0.0", s(100)),
    primitive!("HonorificPrefix", I, "7.0.0", s(100)),
    primitive!("HonorificSuffix", I, "7.0.0", s(100)),
    primitive!(
        "IdentityFileReference",
        I,
        "7.0.0",
        Field::Str {
            min: 30,
            max: 150,
            check: None
        }
    ),
    primitive!("JobTitle", I, "7.0.0", s(100)),
    primitive!(
        "MaritalStatus",
        I,
        "7.2.0",
        sc(0, usize::MAX, check_marital_status)
    ),
    primitive!("MiddleName", I, "7.0.0", s(100)),
    primitive!("Nationality", I, "7.0.0", COUNTRY),
    primitive!("PhoneNumber", I, "7.0.0", sc(3, 100, check_phone)),
    ValueTypeSpec {
        name: "PostOfficeBoxAddress",
        kind: I,
        since: "7.0.0",
        complex: true,
        fields: &[
            req("recipient", s(100)),
            req("boxId", s(100)),
            req("zipCode", s(100)),
            req("city", s(100)),
            req("country", COUNTRY),
            opt("state", s(100)),
        ],
        object_check: None,
    },
    primitive!("Pseudonym", I, "7.0.0", s(100)),
    ValueTypeSpec {
        name: "SchematizedJSON",
        kind: I,
        since: "7.4.0",
        complex: false,
        fields: &[req("value", Field::Json { max: 4096 }), SCHEMA_URL],
        object_check: None,
    },
    ValueTypeSpec {
        name: "SchematizedXML",
        kind: I,
        since: "7.0.0",
        complex: false,
        fields: &[req("value", s(50000)), SCHEMA_URL],
        object_check: None,
    },
    primitive!("Sex", I, "7.0.0", sc(0, usize::MAX, check_sex)),
    ValueTypeSpec {
        name: "StreetAddress",
        kind: I,
        since: "7.0.0",
        complex: true,
        fields: &[
            req("recipient", s(100)),
            req("street", s(100)),
            req("houseNo", s(100)),
            req("zipCode", s(100)),
            req("city", s(100)),
            req("country", COUNTRY),
            opt("state", s(100)),
        ],
        object_check: None,
    },
    primitive!("Surname", I, "7.0.0", s(100)),
    ValueTypeSpec {
        name: "VerifiableCredential",
        kind: I,
        since: "7.5.0",
        complex: true,
        fields: &[
            req("value", Field::StrOrObject { max: 52_428_800 }),
            opt("type", s(usize::MAX)),
            opt("displayInformation", Field::ObjectArray { max: 1000 }),
            opt(
                "displayInformationCachedImages",
                Field::ObjectArray { max: usize::MAX },
            ),
        ],
        object_check: None,
    },
    primitive!("Website", I, "7.0.0", sc(3, 1024, check_website)),
    ValueTypeSpec {
        name: "Consent",
        kind: R,
        since: "7.0.0",
        complex: false,
        fields: &[
            req("consent", s(10000)),
            opt("link", sc(3, 1024, check_consent_link)),
            opt(
                "linkDisplayText",
                Field::Str {
                    min: 3,
                    max: 30,
                    check: None,
                },
            ),
        ],
        object_check: Some(check_consent),
    },
    proprietary!("ProprietaryBoolean", Field::Bool),
    proprietary!("ProprietaryCountry", COUNTRY),
    proprietary!("ProprietaryEMailAddress", sc(3, 254, check_email)),
    proprietary!(
        "ProprietaryFileReference",
        Field::Str {
            min: 30,
            max: 150,
            check: None
        }
    ),
    proprietary!("ProprietaryFloat", Field::Num),
    proprietary!("ProprietaryHEXColor", sc(4, 9, check_hex_color)),
    proprietary!(
        "ProprietaryInteger",
        Field::Int {
            min: i64::MIN,
            max: i64::MAX
        }
    ),
    ValueTypeSpec {
        name: "ProprietaryJSON",
        kind: R,
        since: "7.0.0",
        complex: false,
        fields: &[TITLE, DESCRIPTION, req("value", Field::Json { max: 4096 })],
        object_check: None,
    },
    proprietary!("ProprietaryLanguage", LANGUAGE),
    proprietary!("ProprietaryPhoneNumber", sc(3, 100, check_phone)),
    proprietary!("ProprietaryString", s(100)),
    proprietary!("ProprietaryURL", sc(3, 1024, check_website)),
    ValueTypeSpec {
        name: "ProprietaryXML",
        kind: R,
        since: "7.0.0",
        complex: false,
        fields: &[
            TITLE,
            DESCRIPTION,
            OVERRIDE,
            req("value", s(50000)),
            SCHEMA_URL,
        ],
        object_check: None,
    },
];

/// The table row of a value type name.
pub fn value_type(name: &str) -> Option<&'static ValueTypeSpec> {
    VALUE_TYPES.iter().find(|t| t.name == name)
}

/// Names of all value types of `kind`.
pub fn value_type_names(kind: ValueKind) -> Vec<&'static str> {
    VALUE_TYPES
        .iter()
        .filter(|t| t.kind == kind)
        .map(|t| t.name)
        .collect()
}

/// Checks that `name` is a value type of `kind` (`IdentityAttributeQuery.valueType`, creation hints).
pub fn check_value_type_name(position: &str, name: &str, kind: ValueKind) -> Result<&'static str> {
    match value_type(name) {
        Some(spec) if spec.kind == kind => Ok(spec.name),
        _ => Err(ContentError::invalid(format!(
            "{position} must be one of the {kind:?} value types, got \"{name}\""
        ))),
    }
}

/// A validated, normalized attribute value.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeValue {
    type_name: &'static str,
    kind: ValueKind,
    /// Normalized fields (without `@type`), in the order the TypeScript class declares them.
    fields: Map<String, Value>,
}

impl AttributeValue {
    /// Parses any value type (its `@type` decides).
    pub fn from_json(value: &Value) -> Result<Self> {
        Self::parse_at("value", value, None)
    }

    /// Parses a value that must be of `kind` (the position names the property for messages).
    pub fn from_json_of_kind(position: &str, value: &Value, kind: ValueKind) -> Result<Self> {
        Self::parse_at(position, value, Some(kind))
    }

    fn parse_at(position: &str, value: &Value, kind: Option<ValueKind>) -> Result<Self> {
        let ty = type_of(position, value)?;
        let spec = match value_type(ty) {
            Some(spec) if kind.is_none_or(|k| k == spec.kind) => spec,
            _ => {
                let allowed = match kind {
                    Some(k) => value_type_names(k),
                    None => VALUE_TYPES.iter().map(|t| t.name).collect(),
                };
                return Err(unknown_type(position, ty, &allowed));
            }
        };
        let obj = Obj::new(spec.name, value)?;
        let mut fields = Map::new();
        for f in spec.fields {
            let raw = match obj.get(f.name) {
                // Components of complex values may come wrapped as `{"@type": "Street", "value": …}`.
                Some(Value::Object(inner))
                    if spec.complex
                        && !matches!(
                            f.field,
                            Field::StrOrObject { .. } | Field::ObjectArray { .. }
                        ) =>
                {
                    inner.get("value").filter(|v| !v.is_null())
                }
                other => other,
            };
            let Some(raw) = raw else {
                if f.required {
                    return Err(obj.err(f.name, "is required"));
                }
                continue;
            };
            let normalized = check_field(&obj, f, raw)?;
            fields.insert(f.name.to_string(), normalized);
        }
        if let Some(check) = spec.object_check
            && let Some(why) = check(&fields)
        {
            return Err(ContentError::invalid(format!("{}: {why}", spec.name)));
        }
        Ok(Self {
            type_name: spec.name,
            kind: spec.kind,
            fields,
        })
    }

    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    pub fn kind(&self) -> ValueKind {
        self.kind
    }

    /// The normalized fields without `@type`.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// A string field (`value`, `street`, `title`, …).
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }

    /// The first `@nmshd/content` version that knows this value type.
    pub fn since(&self) -> &'static str {
        value_type(self.type_name).map_or("7.0.0", |s| s.since)
    }

    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("@type".into(), Value::String(self.type_name.into()));
        map.extend(self.fields.clone());
        Value::Object(map)
    }

    /// Every top-level string field trimmed (§3.7, own identity attribute creation/succession).
    /// The result is validated again, because trimming may break a rule (`min` lengths, patterns).
    pub fn trimmed(&self) -> Result<Self> {
        let mut json = self.to_json();
        if let Value::Object(map) = &mut json {
            for (key, v) in map.iter_mut() {
                if key != "@type"
                    && let Value::String(s) = v
                {
                    *s = s.trim().to_string();
                }
            }
        }
        Self::from_json(&json)
    }
}

fn check_field(obj: &Obj<'_>, spec: &FieldSpec, raw: &Value) -> Result<Value> {
    let key = spec.name;
    match spec.field {
        Field::Str { min, max, check } => {
            let Value::String(v) = raw else {
                return Err(obj.err(key, "must be a string"));
            };
            obj.check_len(key, v, min, max)?;
            if let Some(check) = check
                && let Some(why) = check(v)
            {
                return Err(obj.err(key, why));
            }
            Ok(raw.clone())
        }
        Field::Int { min, max } => {
            let n = raw
                .as_f64()
                .ok_or_else(|| obj.err(key, "must be a number"))?;
            if n.fract() != 0.0 || !n.is_finite() {
                return Err(obj.err(key, "must be an integer"));
            }
            if n < min as f64 || n > max as f64 {
                return Err(obj.err(key, format!("must be between {min} and {max}, got {n}")));
            }
            Ok(integer_json(n))
        }
        Field::Num => {
            let n = raw
                .as_f64()
                .ok_or_else(|| obj.err(key, "must be a number"))?;
            if !n.is_finite() {
                return Err(obj.err(key, "must be a finite number"));
            }
            Ok(number_json(n))
        }
        Field::Bool => match raw {
            Value::Bool(_) => Ok(raw.clone()),
            _ => Err(obj.err(key, "must be a boolean")),
        },
        Field::Json { max } => {
            let len = js_len(&raw.to_string());
            if len > max {
                return Err(obj.err(
                    key,
                    format!("must be at most {max} characters long when stringified, got {len}"),
                ));
            }
            Ok(raw.clone())
        }
        Field::StrOrObject { max } => match raw {
            Value::String(_) | Value::Object(_) if js_len(&raw.to_string()) <= max => {
                Ok(raw.clone())
            }
            Value::String(_) | Value::Object(_) => Err(obj.err(
                key,
                format!("must be at most {max} characters long when stringified"),
            )),
            _ => Err(obj.err(key, "must be a string or a JSON object")),
        },
        Field::HintsOverride => hints::value_hints_override(&format!("{}.{key}", obj.ty), raw),
        Field::ObjectArray { max } => match raw {
            Value::Array(items) if items.len() <= max && items.iter().all(Value::is_object) => {
                Ok(raw.clone())
            }
            Value::Array(items) if items.len() > max => {
                Err(obj.err(key, format!("must have at most {max} elements")))
            }
            _ => Err(obj.err(key, "must be an array of JSON objects")),
        },
    }
}

/// Integers are emitted without a fraction (`1.0` in → `1` out, as JavaScript prints it).
pub(crate) fn integer_json(n: f64) -> Value {
    Value::from(n as i64)
}
