//! The IQL parser: the PEG grammar of `@nmshd/iql` (`src/grammar.peggy`, compiled with peggy) read into an
//! [`Expr`] tree, with peggy's error reporting (farthest failure position, the expectations recorded
//! there, what was found) so that [`SyntaxError`] says exactly what the TypeScript library says.
//!
//! Grammar: `Expr = Expr0 (_+ "||" _+ Expr0)*`, `Expr0 = Expr1 (_+ "&&" _+ Expr1)*`,
//! `Expr1 = "!" Expr1 / Expr2`, `Expr2 = "(" _+ Expr _+ ")" / Term`,
//! `Term = PrimaryFieldTerm / MetadataFieldTerm / TagTerm`. Terms and whitespace are named rules: their
//! inner failures are silent and a failure counts once, at the rule's start, under the rule's name.
//! Positions are UTF-16 code units, as in JavaScript.

use super::ast::{Expr, Predicate, Term};

/// Where and why a query string does not parse, as `@nmshd/iql`'s `validate` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// `Expected … but … found.`
    pub message: String,
    pub start: Position,
    pub end: Position,
}

/// A position in the query string: UTF-16 offset, 1-based line (split at `\n`) and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// Parses `query` into an expression tree.
pub fn parse(query: &str) -> Result<Expr, SyntaxError> {
    let mut p = Parser {
        s: query.encode_utf16().collect(),
        pos: 0,
        max_fail: 0,
        expected: Vec::new(),
        silent: 0,
    };
    let result = p.expr();
    match result {
        Some(expr) if p.pos == p.s.len() => Ok(expr),
        other => {
            if other.is_some() {
                p.fail(Expected::Described("end of input"));
            }
            Err(p.error())
        }
    }
}

struct Parser {
    s: Vec<u16>,
    pos: usize,
    max_fail: usize,
    /// What was expected at `max_fail`.
    expected: Vec<Expected>,
    silent: u32,
}

/// An expectation: a literal (quoted in messages) or a description (a rule name, a character class,
/// `end of input`).
#[derive(Clone, Copy)]
enum Expected {
    Literal(&'static str),
    Described(&'static str),
}

const LF: u16 = b'\n' as u16;

fn unit(c: char) -> u16 {
    c as u16
}

impl Parser {
    /// Records that `what` was expected at the current position (peggy's `peg$fail`).
    fn fail(&mut self, what: Expected) {
        if self.silent > 0 || self.pos < self.max_fail {
            return;
        }
        if self.pos > self.max_fail {
            self.max_fail = self.pos;
            self.expected.clear();
        }
        self.expected.push(what);
    }

    fn error(&self) -> SyntaxError {
        let mut expected: Vec<String> = self
            .expected
            .iter()
            .map(|e| match e {
                Expected::Literal(text) => format!("\"{}\"", escape(text)),
                Expected::Described(text) => (*text).to_owned(),
            })
            .collect();
        expected.sort();
        expected.dedup();
        let listed = match expected.as_slice() {
            [one] => one.clone(),
            [a, b] => format!("{a} or {b}"),
            [init @ .., last] => format!("{}, or {last}", init.join(", ")),
            [] => String::new(),
        };
        let found = if self.max_fail < self.s.len() {
            let c = char::decode_utf16(self.s[self.max_fail..].iter().copied())
                .next()
                .map_or_else(
                    || "\u{FFFD}".to_owned(),
                    |c| c.unwrap_or('\u{FFFD}').to_string(),
                );
            format!("\"{}\"", escape(&c))
        } else {
            "end of input".to_owned()
        };
        let end = (self.max_fail + 1).min(self.s.len());
        SyntaxError {
            message: format!("Expected {listed} but {found} found."),
            start: self.position(self.max_fail),
            end: self.position(end.max(self.max_fail)),
        }
    }

    fn position(&self, offset: usize) -> Position {
        let before = &self.s[..offset];
        let line_start = before.iter().rposition(|c| *c == LF).map_or(0, |i| i + 1);
        Position {
            offset,
            line: before.iter().filter(|c| **c == LF).count() + 1,
            column: offset - line_start + 1,
        }
    }

    fn peek(&self) -> Option<u16> {
        self.s.get(self.pos).copied()
    }

    /// One code unit satisfying `f`; `what` describes it for error messages.
    fn class(&mut self, what: &'static str, f: impl Fn(u16) -> bool) -> Option<u16> {
        match self.peek() {
            Some(c) if f(c) => {
                self.pos += 1;
                Some(c)
            }
            _ => {
                self.fail(Expected::Described(what));
                None
            }
        }
    }

    /// A literal of one or two characters.
    fn lit(&mut self, text: &'static str) -> bool {
        let units: Vec<u16> = text.encode_utf16().collect();
        if self.s[self.pos..].starts_with(&units) {
            self.pos += units.len();
            return true;
        }
        self.fail(Expected::Literal(text));
        false
    }

    /// A named rule: inner failures are silent; a failure restores the position and counts once
    /// at the rule's start under `name`.
    fn named<T>(
        &mut self,
        name: &'static str,
        rule: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        let start = self.pos;
        self.silent += 1;
        let result = rule(self);
        self.silent -= 1;
        if result.is_none() {
            self.pos = start;
            self.fail(Expected::Described(name));
        }
        result
    }

    /// Runs `f`; on failure restores the position.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let start = self.pos;
        let result = f(self);
        if result.is_none() {
            self.pos = start;
        }
        result
    }

    /// `_+`
    fn ws_plus(&mut self) -> Option<()> {
        let ws = |p: &mut Self| p.class("[ \\t\\n\\r]", |c| matches!(c, 0x20 | 0x09 | 0x0A | 0x0D));
        self.named("whitespace", ws)?;
        while self.named("whitespace", ws).is_some() {}
        Some(())
    }

    /// `h:Sub t:(_+ op _+ @Sub)*`
    fn chain(
        &mut self,
        op: &'static str,
        sub: fn(&mut Self) -> Option<Expr>,
        join: fn(Vec<Expr>) -> Expr,
    ) -> Option<Expr> {
        let mut items = vec![sub(self)?];
        while let Some(next) = self.attempt(|p| {
            p.ws_plus()?;
            p.lit(op).then_some(())?;
            p.ws_plus()?;
            sub(p)
        }) {
            items.push(next);
        }
        Some(if items.len() == 1 {
            items.remove(0)
        } else {
            join(items)
        })
    }

    fn expr(&mut self) -> Option<Expr> {
        self.chain("||", Self::expr0, Expr::Or)
    }

    fn expr0(&mut self) -> Option<Expr> {
        self.chain("&&", Self::expr1, Expr::And)
    }

    fn expr1(&mut self) -> Option<Expr> {
        let negated = self.attempt(|p| {
            p.lit("!").then_some(())?;
            p.expr1()
        });
        match negated {
            Some(inner) => Some(Expr::Not(Box::new(inner))),
            None => self.expr2(),
        }
    }

    fn expr2(&mut self) -> Option<Expr> {
        let grouped = self.attempt(|p| {
            p.lit("(").then_some(())?;
            p.ws_plus()?;
            let inner = p.expr()?;
            p.ws_plus()?;
            p.lit(")").then_some(inner)
        });
        if grouped.is_some() {
            return grouped;
        }
        let term = self
            .named("primary field term", Self::primary_field_term)
            .or_else(|| self.named("metadata field term", Self::metadata_field_term))
            .or_else(|| self.named("tag term", Self::tag_term))?;
        Some(Expr::Term(term))
    }

    /// `[A-Z][A-Za-z0-9]*`
    fn attribute_type(&mut self) -> Option<String> {
        self.named("attribute type", |p| {
            let start = p.pos;
            p.class("[A-Z]", |c| (unit('A')..=unit('Z')).contains(&c))?;
            while p.class("[A-Za-z0-9]", is_alnum).is_some() {}
            Some(String::from_utf16_lossy(&p.s[start..p.pos]))
        })
    }

    /// `[a-z][A-Za-z0-9]+`
    fn path_segment(&mut self) -> Option<String> {
        self.attempt(|p| {
            let start = p.pos;
            p.class("[a-z]", |c| (unit('a')..=unit('z')).contains(&c))?;
            p.class("[A-Za-z0-9]", is_alnum)?;
            while p.class("[A-Za-z0-9]", is_alnum).is_some() {}
            Some(String::from_utf16_lossy(&p.s[start..p.pos]))
        })
    }

    /// `( "." @PathSegment )*`
    fn dotted_segments(&mut self) -> Vec<String> {
        let mut segments = Vec::new();
        while let Some(segment) = self.attempt(|p| {
            p.lit(".").then_some(())?;
            p.path_segment()
        }) {
            segments.push(segment);
        }
        segments
    }

    fn primary_field_term(&mut self) -> Option<Term> {
        let with_path = self.attempt(|p| {
            let attribute_type = p.attribute_type()?;
            let path = p.dotted_segments();
            if path.is_empty() {
                return None;
            }
            let predicate = p.predicate()?;
            Some(Term::Primary {
                attribute_type,
                path,
                predicate,
            })
        });
        if with_path.is_some() {
            return with_path;
        }
        let with_predicate = self.attempt(|p| {
            let attribute_type = p.attribute_type()?;
            let predicate = p.predicate()?;
            Some(Term::PrimaryValue {
                attribute_type,
                predicate,
            })
        });
        if with_predicate.is_some() {
            return with_predicate;
        }
        self.attribute_type().map(Term::OfType)
    }

    fn metadata_field_term(&mut self) -> Option<Term> {
        self.attempt(|p| {
            let mut path = vec![p.path_segment()?];
            path.extend(p.dotted_segments());
            let predicate = p.predicate()?;
            Some(Term::Metadata { path, predicate })
        })
    }

    fn tag_term(&mut self) -> Option<Term> {
        self.attempt(|p| {
            p.lit("#").then_some(())?;
            p.predicate_rhs().map(Term::Tag)
        })
    }

    fn predicate(&mut self) -> Option<Predicate> {
        let compared = self.attempt(|p| {
            let op = p.class("[=><~]", |c| {
                [unit('='), unit('>'), unit('<'), unit('~')].contains(&c)
            })?;
            let rhs = p.predicate_rhs()?;
            Some(match char::from_u32(u32::from(op)) {
                Some('=') => Predicate::Equals(rhs),
                Some('>') => Predicate::NotBefore(rhs),
                Some('<') => Predicate::NotAfter(rhs),
                _ => Predicate::Contains(rhs),
            })
        });
        if compared.is_some() {
            return compared;
        }
        self.class("[?]", |c| c == unit('?'))
            .map(|_| Predicate::Defined)
    }

    /// An escape (`\\` or `\'`, kept as written) or one code unit accepted by `allowed`.
    fn rhs_token(&mut self, allowed: fn(u16) -> bool, what: &'static str) -> Option<()> {
        if self.lit("\\\\") || self.lit("\\'") {
            return Some(());
        }
        self.class(what, allowed).map(|_| ())
    }

    /// A quoted value (`'…'`) or an unquoted one (possibly empty, ending before a space or quote).
    fn predicate_rhs(&mut self) -> Option<String> {
        let quoted = self.attempt(|p| {
            p.lit("'").then_some(())?;
            let start = p.pos;
            while p
                .rhs_token(|c| c != unit('\'') && c != unit('\\'), "[^'\\\\]")
                .is_some()
            {}
            let end = p.pos;
            p.lit("'").then(|| unescape(&p.s[start..end]))
        });
        if quoted.is_some() {
            return quoted;
        }
        let start = self.pos;
        while self
            .rhs_token(
                |c| c != unit('\'') && c != unit('\\') && c != unit(' '),
                "[^'\\\\ ]",
            )
            .is_some()
        {}
        Some(unescape(&self.s[start..self.pos]))
    }
}

fn is_alnum(c: u16) -> bool {
    char::from_u32(u32::from(c)).is_some_and(|c| c.is_ascii_alphanumeric())
}

/// The library joins the matched text and then replaces `\\` by `\` and, afterwards, `\'` by `'`.
fn unescape(units: &[u16]) -> String {
    String::from_utf16_lossy(units)
        .replace("\\\\", "\\")
        .replace("\\'", "'")
}

/// peggy's `literalEscape` for a literal or the found character.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\0' => out.push_str("\\0"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{01}'..='\u{0F}' => out.push_str(&format!("\\x0{:X}", c as u32)),
            '\u{10}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => {
                out.push_str(&format!("\\x{:X}", c as u32));
            }
            c if super::js::is_non_printable(c) => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
