//! FormFieldSettings rules (content-model §2.5). Bounds of `0` are skipped, as the runtime's
//! JavaScript truthiness does.

use serde_json::Value;

use super::{item_error, params_error};
use crate::validation::ValidationResult;

fn bound(settings: &Value, name: &str) -> Option<f64> {
    settings
        .get(name)
        .and_then(Value::as_f64)
        .filter(|b| *b != 0.0)
}

/// canCreate: `max ≥ min`; selections need unique options.
pub(super) fn can_create(settings: &Value) -> ValidationResult {
    let kind = settings
        .get("@type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let (Some(min), Some(max)) = (bound(settings, "min"), bound(settings, "max"))
        && max < min
    {
        return item_error(format!(
            "The max {max} cannot be smaller than the min {min}."
        ));
    }
    if kind == "SelectionFormFieldSettings" {
        let options: Vec<&Value> = settings
            .get("options")
            .and_then(Value::as_array)
            .map(|o| o.iter().collect())
            .unwrap_or_default();
        if options.is_empty() {
            return item_error("A selection form field must provide at least one option.");
        }
        if options
            .iter()
            .enumerate()
            .any(|(i, o)| options[..i].contains(o))
        {
            return item_error("The options of a selection form field must be unique.");
        }
    }
    ValidationResult::success()
}

/// canAccept: the response fits the settings.
pub(super) fn can_accept(settings: &Value, response: &Value) -> ValidationResult {
    let kind = settings
        .get("@type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let in_bounds = |n: f64| {
        bound(settings, "max").is_none_or(|max| n <= max)
            && bound(settings, "min").is_none_or(|min| n >= min)
    };
    let ok = match kind {
        "StringFormFieldSettings" => response.as_str().is_some_and(|s| {
            #[expect(clippy::cast_precision_loss, reason = "lengths are far below 2^52")]
            let len = s.encode_utf16().count() as f64;
            in_bounds(len)
        }),
        "IntegerFormFieldSettings" => response
            .as_f64()
            .is_some_and(|n| n.fract() == 0.0 && in_bounds(n)),
        "DoubleFormFieldSettings" => response.as_f64().is_some_and(in_bounds),
        "BooleanFormFieldSettings" => response.is_boolean(),
        "DateFormFieldSettings" => response
            .as_str()
            .is_some_and(|s| nmshd_wire::CoreDate::parse(s).is_ok()),
        "SelectionFormFieldSettings" => {
            let options: Vec<&str> = settings
                .get("options")
                .and_then(Value::as_array)
                .map(|o| o.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let multiple = settings.get("allowMultipleSelection") == Some(&Value::Bool(true));
            match response {
                Value::String(s) if !multiple => options.contains(&s.as_str()),
                Value::Array(all) if multiple && !all.is_empty() => {
                    all.iter().enumerate().all(|(i, v)| {
                        v.as_str().is_some_and(|s| options.contains(&s)) && !all[..i].contains(v)
                    })
                }
                _ => false,
            }
        }
        "RatingFormFieldSettings" => {
            let max = settings
                .get("maxRating")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            response
                .as_f64()
                .is_some_and(|n| n.fract() == 0.0 && n >= 1.0 && n <= max)
        }
        _ => false,
    };
    if ok {
        ValidationResult::success()
    } else {
        params_error(format!(
            "The response provided cannot be used to accept the form field with {kind}."
        ))
    }
}
