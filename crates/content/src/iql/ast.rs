//! The parsed form of an IQL query.

/// An IQL expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `a || b || …`: attributes matching any operand.
    Or(Vec<Expr>),
    /// `a && b && …`: attributes matching every operand.
    And(Vec<Expr>),
    /// `!a`: attributes not matching the operand.
    Not(Box<Expr>),
    Term(Term),
}

/// One term of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// `Type.a.b<predicate>`: `value.a.b` of attributes whose value `@type` is `Type`.
    Primary {
        attribute_type: String,
        path: Vec<String>,
        predicate: Predicate,
    },
    /// `Type<predicate>`: `value.value` of attributes whose value `@type` is `Type`.
    PrimaryValue {
        attribute_type: String,
        predicate: Predicate,
    },
    /// `Type`: attributes whose value `@type` is `Type`.
    OfType(String),
    /// `a.b<predicate>`: a field of the attribute itself (`owner`, `tags`, `validFrom`, `value.x`, …).
    Metadata {
        path: Vec<String>,
        predicate: Predicate,
    },
    /// `#tag`: attributes whose `tags` contain `tag`.
    Tag(String),
}

/// What a term asks of the field it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// `=v`: the field converted to a string (as JavaScript's `String()`) equals `v`.
    Equals(String),
    /// `>v`: the field read as a JavaScript `Date` is at or after `v`.
    NotBefore(String),
    /// `<v`: the field read as a JavaScript `Date` is at or before `v`.
    NotAfter(String),
    /// `~v`: the field is an array containing the string `v`.
    Contains(String),
    /// `?`: the field is present and not an empty array or object.
    Defined,
}
