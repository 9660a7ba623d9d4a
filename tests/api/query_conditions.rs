//! A port of nmshd/connector `test/lib/QueryParamConditions.ts` for the contract tests: for each
//! field of a record, a query with its value must list the record and queries with a near-miss
//! value must not. A field the record lacks (or a path through an array) adds no condition, as
//! in the original.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use crate::rest_peer::Connector;

pub struct QueryConditions {
    object: Value,
    conditions: Vec<(String, String, bool)>,
}

impl QueryConditions {
    pub fn new(object: &Value) -> Self {
        Self {
            object: object.clone(),
            conditions: Vec::new(),
        }
    }

    /// The value at a dotted path; `Null` when a step is missing (also through arrays).
    fn value(&self, key: &str) -> &Value {
        key.split('.')
            .try_fold(&self.object, |v, part| {
                v.as_object().and_then(|o| o.get(part))
            })
            .unwrap_or(&Value::Null)
    }

    fn push(&mut self, key: &str, value: String, expected: bool) {
        self.conditions.push((key.to_owned(), value, expected));
    }

    /// The date, and the date ±24 hours (not matching).
    pub fn date(mut self, key: &str) -> Self {
        let Some(text) = self.value(key).as_str().map(str::to_owned) else {
            return self;
        };
        self.push(key, text.clone(), true);
        // The original also uses date sets for non-dates (e.g. `createdBy`): luxon then shifts an
        // invalid DateTime, whose text is "Invalid DateTime".
        let Ok(date) = time::OffsetDateTime::parse(&text, &Rfc3339) else {
            self.push(key, "Invalid DateTime".to_owned(), false);
            return self;
        };
        for shifted in [
            date + time::Duration::hours(24),
            date - time::Duration::hours(24),
        ] {
            self.push(key, shifted.format(&Rfc3339).unwrap(), false);
        }
        self
    }

    /// The string, and the string with its last four characters replaced by `XXXX`.
    pub fn string(mut self, key: &str) -> Self {
        let Some(text) = self.value(key).as_str().map(str::to_owned) else {
            return self;
        };
        self.push_string(key, text);
        self
    }

    /// The first element of a string array, as [`Self::string`].
    pub fn string_array(mut self, key: &str) -> Self {
        let Some(text) = self.value(key)[0].as_str().map(str::to_owned) else {
            return self;
        };
        self.push_string(key, text);
        self
    }

    fn push_string(&mut self, key: &str, text: String) {
        let cut = text.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
        let near_miss = format!("{}XXXX", &text[..cut]);
        self.push(key, text, true);
        self.push(key, near_miss, false);
    }

    /// The number, and the number ±1 (not matching).
    pub fn number(mut self, key: &str) -> Self {
        let Some(n) = self.value(key).as_i64().filter(|n| *n != 0) else {
            return self;
        };
        self.push(key, n.to_string(), true);
        self.push(key, (n + 1).to_string(), false);
        self.push(key, (n - 1).to_string(), false);
        self
    }

    /// One query given literally (`addSingleCondition`), e.g. `""` (exists) or `"!"` (missing).
    pub fn single(mut self, key: &str, value: &str, expected: bool) -> Self {
        self.push(key, value.to_owned(), expected);
        self
    }

    /// The boolean and its negation.
    pub fn boolean(mut self, key: &str) -> Self {
        let Some(flag) = self.value(key).as_bool() else {
            return self;
        };
        self.push(key, flag.to_string(), true);
        self.push(key, (!flag).to_string(), false);
        self
    }

    /// Runs every condition as `GET {path}?{key}={value}`.
    pub async fn execute(&self, c: &Connector, path: &str) {
        assert!(!self.conditions.is_empty(), "no conditions");
        for (key, value, expected) in &self.conditions {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair(key, value)
                .finish();
            let listed = c.get(&format!("{path}?{query}")).await;
            let contains = listed.as_array().unwrap().contains(&self.object);
            let kind = if *expected { "Positive" } else { "Negative" };
            assert_eq!(
                contains, *expected,
                "{kind} match failed for key \"{key}\" and value \"{value}\": {listed}"
            );
        }
    }
}
