//! `FormFieldRequestItem.settings` (§2.5) with the creation and acceptance rules of each settings type.
//! Quirk kept on purpose: a bound of `0` is skipped in every min/max comparison (JavaScript truthiness).

use serde_json::Value;

use crate::date::CoreDate;
use crate::error::{ContentError, Result, codes};
use crate::json::{Obj, Out, js_len, number_json, type_of, unknown_type};

/// The response of a form field: `string | number | boolean | string[]`.
#[derive(Debug, Clone, PartialEq)]
pub enum FormFieldResponse {
    String(String),
    Number(f64),
    Boolean(bool),
    StringArray(Vec<String>),
}

impl FormFieldResponse {
    /// `FormFieldAcceptResponseItem.response`: a string must be 1..4096 characters, an array only strings.
    pub fn from_json(position: &str, value: &Value) -> Result<Self> {
        match value {
            Value::String(s) if (1..=4096).contains(&js_len(s)) => Ok(Self::String(s.clone())),
            Value::String(_) => Err(ContentError::invalid(format!(
                "{position}: The string response cannot be shorter than 1 character or longer than 4096 characters."
            ))),
            Value::Number(n) => n
                .as_f64()
                .map(Self::Number)
                .ok_or_else(|| ContentError::invalid(format!("{position} is not a number"))),
            Value::Bool(b) => Ok(Self::Boolean(*b)),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Self::StringArray)
                .ok_or_else(|| {
                    ContentError::invalid(format!(
                        "{position}: An array response must only contain strings."
                    ))
                }),
            _ => Err(ContentError::invalid(format!(
                "{position} must be a string, a number, a boolean or a string array"
            ))),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Self::String(s) => Value::String(s.clone()),
            Self::Number(n) => number_json(*n),
            Self::Boolean(b) => Value::Bool(*b),
            Self::StringArray(a) => Value::from(a.clone()),
        }
    }
}

/// One of the seven settings types.
#[derive(Debug, Clone, PartialEq)]
pub enum FormFieldSettings {
    String {
        allow_newlines: Option<bool>,
        min: Option<i64>,
        max: Option<i64>,
    },
    Integer {
        unit: Option<String>,
        min: Option<i64>,
        max: Option<i64>,
    },
    Double {
        unit: Option<String>,
        min: Option<f64>,
        max: Option<f64>,
    },
    Boolean,
    Date,
    Selection {
        options: Vec<String>,
        allow_multiple_selection: Option<bool>,
    },
    Rating {
        max_rating: i64,
    },
}

const TYPES: [&str; 7] = [
    "StringFormFieldSettings",
    "IntegerFormFieldSettings",
    "DoubleFormFieldSettings",
    "BooleanFormFieldSettings",
    "DateFormFieldSettings",
    "SelectionFormFieldSettings",
    "RatingFormFieldSettings",
];

fn bounded_int(obj: &Obj<'_>, key: &str, min: i64, max: i64) -> Result<Option<i64>> {
    let v = obj.opt_integer(key)?;
    if let Some(n) = v
        && (n < min || n > max)
    {
        return Err(obj.err(key, format!("must be between {min} and {max}, got {n}")));
    }
    Ok(v)
}

fn not_zero<T: PartialEq + Default + Copy>(v: Option<T>) -> Option<T> {
    v.filter(|x| *x != T::default())
}

fn cannot_create(message: &str) -> ContentError {
    ContentError::new(codes::INVALID_REQUEST_ITEM, message)
}

fn cannot_accept(message: impl Into<String>) -> ContentError {
    ContentError::new(codes::INVALID_ACCEPT_PARAMETERS, message)
}

impl FormFieldSettings {
    pub fn from_json(value: &Value) -> Result<Self> {
        let position = "FormFieldRequestItem.settings";
        let ty = type_of(position, value)?;
        let Some(ty) = TYPES.iter().find(|t| **t == ty) else {
            return Err(unknown_type(position, ty, &TYPES));
        };
        let obj = Obj::new(ty, value)?;
        Ok(match *ty {
            "StringFormFieldSettings" => Self::String {
                allow_newlines: obj.opt_bool("allowNewlines")?,
                min: bounded_int(&obj, "min", 0, 4096)?,
                max: bounded_int(&obj, "max", 0, 4096)?,
            },
            "IntegerFormFieldSettings" => Self::Integer {
                unit: obj.opt_str("unit")?,
                min: obj.opt_integer("min")?,
                max: obj.opt_integer("max")?,
            },
            "DoubleFormFieldSettings" => Self::Double {
                unit: obj.opt_str("unit")?,
                min: obj.opt_number("min")?,
                max: obj.opt_number("max")?,
            },
            "BooleanFormFieldSettings" => Self::Boolean,
            "DateFormFieldSettings" => Self::Date,
            "SelectionFormFieldSettings" => {
                let options = obj
                    .opt_str_array("options")?
                    .ok_or_else(|| obj.err("options", "is required"))?;
                if options.iter().any(|o| !(1..=4096).contains(&js_len(o))) {
                    return Err(obj.err("options", "An option cannot be shorter than 1 character or longer than 4096 characters."));
                }
                Self::Selection {
                    options,
                    allow_multiple_selection: obj.opt_bool("allowMultipleSelection")?,
                }
            }
            _ => Self::Rating {
                max_rating: bounded_int(&obj, "maxRating", 5, 10)?
                    .ok_or_else(|| obj.err("maxRating", "is required"))?,
            },
        })
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Self::String { .. } => TYPES[0],
            Self::Integer { .. } => TYPES[1],
            Self::Double { .. } => TYPES[2],
            Self::Boolean => TYPES[3],
            Self::Date => TYPES[4],
            Self::Selection { .. } => TYPES[5],
            Self::Rating { .. } => TYPES[6],
        }
    }

    pub fn to_json(&self) -> Value {
        let out = Out::new(self.type_name());
        match self {
            Self::String {
                allow_newlines,
                min,
                max,
            } => out
                .opt("allowNewlines", *allow_newlines)
                .opt("min", *min)
                .opt("max", *max),
            Self::Integer { unit, min, max } => out
                .opt("unit", unit.clone())
                .opt("min", *min)
                .opt("max", *max),
            Self::Double { unit, min, max } => out
                .opt("unit", unit.clone())
                .opt("min", min.map(number_json))
                .opt("max", max.map(number_json)),
            Self::Boolean | Self::Date => out,
            Self::Selection {
                options,
                allow_multiple_selection,
            } => out
                .set("options", options.clone())
                .opt("allowMultipleSelection", *allow_multiple_selection),
            Self::Rating { max_rating } => out.set("maxRating", *max_rating),
        }
        .build()
    }

    /// The sender-side rule (`canCreate`): `error.consumption.requests.invalidRequestItem` if violated.
    pub fn can_create(&self) -> Result<()> {
        let inverted = match self {
            Self::String { min, max, .. } | Self::Integer { min, max, .. } => {
                matches!((not_zero(*min), not_zero(*max)), (Some(lo), Some(hi)) if hi < lo)
            }
            Self::Double { min, max, .. } => {
                matches!((not_zero(*min), not_zero(*max)), (Some(lo), Some(hi)) if hi < lo)
            }
            Self::Selection { options, .. } => {
                if options.is_empty() {
                    return Err(cannot_create(
                        "A selection form field must provide at least one option.",
                    ));
                }
                if options
                    .iter()
                    .enumerate()
                    .any(|(i, o)| options[..i].contains(o))
                {
                    return Err(cannot_create(
                        "A selection form field must provide unique options.",
                    ));
                }
                false
            }
            Self::Boolean | Self::Date | Self::Rating { .. } => false,
        };
        if inverted {
            return Err(cannot_create("The max cannot be smaller than the min."));
        }
        Ok(())
    }

    /// The recipient-side rule (`canAccept`) for a response: `error.consumption.requests.invalidAcceptParameters` if violated.
    pub fn can_accept(&self, response: &FormFieldResponse) -> Result<()> {
        use FormFieldResponse as R;
        match (self, response) {
            (Self::String { min, max, .. }, R::String(s)) => {
                let len = js_len(s) as i64;
                if let Some(max) = not_zero(*max)
                    && len > max
                {
                    return Err(cannot_accept(format!(
                        "The length of the response cannot be greater than the max {max}."
                    )));
                }
                if let Some(min) = not_zero(*min)
                    && len < min
                {
                    return Err(cannot_accept(format!(
                        "The length of the response cannot be smaller than the min {min}."
                    )));
                }
                Ok(())
            }
            (Self::String { .. }, _) => Err(cannot_accept(
                "A string form field must be accepted with a string.",
            )),
            (Self::Integer { min, max, .. }, R::Number(n)) if n.fract() == 0.0 => {
                check_number_bounds(
                    *n,
                    not_zero(*min).map(|v| v as f64),
                    not_zero(*max).map(|v| v as f64),
                )
            }
            (Self::Integer { .. }, _) => Err(cannot_accept(
                "An integer form field must be accepted with an integer.",
            )),
            (Self::Double { min, max, .. }, R::Number(n)) => {
                check_number_bounds(*n, not_zero(*min), not_zero(*max))
            }
            (Self::Double { .. }, _) => Err(cannot_accept(
                "A double form field must be accepted with a double.",
            )),
            (Self::Boolean, R::Boolean(_)) => Ok(()),
            (Self::Boolean, _) => Err(cannot_accept(
                "A boolean form field must be accepted with a boolean.",
            )),
            (Self::Date, R::String(s)) if CoreDate::parse(s).is_some() => Ok(()),
            (Self::Date, _) => Err(cannot_accept(
                "A date form field must be accepted with a valid date string in ISO 8601 format.",
            )),
            (
                Self::Selection {
                    options,
                    allow_multiple_selection,
                },
                response,
            ) if allow_multiple_selection != &Some(true) => match response {
                R::String(s) if options.contains(s) => Ok(()),
                R::String(s) => Err(cannot_accept(format!(
                    "The selection form field does not provide the option '{s}' for selection."
                ))),
                _ => Err(cannot_accept(
                    "A selection form field that does not allow multiple selection must be accepted with a string.",
                )),
            },
            (Self::Selection { options, .. }, R::StringArray(chosen)) => {
                if chosen.is_empty() {
                    return Err(cannot_accept(
                        "At least one option must be specified to accept a selection form field.",
                    ));
                }
                if chosen
                    .iter()
                    .enumerate()
                    .any(|(i, o)| chosen[..i].contains(o))
                {
                    return Err(cannot_accept(
                        "The options specified for accepting a selection form field must be unique.",
                    ));
                }
                let unknown: Vec<String> = chosen
                    .iter()
                    .filter(|o| !options.contains(o))
                    .map(|o| format!("'{o}'"))
                    .collect();
                if !unknown.is_empty() {
                    return Err(cannot_accept(format!(
                        "The selection form field does not provide the following option(s) for selection: {}.",
                        unknown.join(", ")
                    )));
                }
                Ok(())
            }
            (Self::Selection { .. }, _) => Err(cannot_accept(
                "A selection form field that allows multiple selection must be accepted with a string array.",
            )),
            (Self::Rating { max_rating }, R::Number(n))
                if n.fract() == 0.0 && *n >= 1.0 && *n <= *max_rating as f64 =>
            {
                Ok(())
            }
            (Self::Rating { max_rating }, _) => Err(cannot_accept(format!(
                "The rating form field must be accepted with an integer between 1 and {max_rating}."
            ))),
        }
    }
}

fn check_number_bounds(n: f64, min: Option<f64>, max: Option<f64>) -> Result<()> {
    if let Some(max) = max
        && n > max
    {
        return Err(cannot_accept(format!(
            "The response cannot be greater than the max {max}."
        )));
    }
    if let Some(min) = min
        && n < min
    {
        return Err(cannot_accept(format!(
            "The response cannot be smaller than the min {min}."
        )));
    }
    Ok(())
}
