//! Syntax check of IQL query strings (`IQLQuery.queryString`), following the PEG grammar of `@nmshd/iql`
//! (nmshd/iql `src/grammar.peggy`): `||` / `&&` chains with mandatory surrounding whitespace, `!` negation,
//! `( expr )` with mandatory inner whitespace, and three kinds of terms: primary field terms
//! (`GivenName`, `GivenName=Jane`, `StreetAddress.city=Berlin`), metadata field terms (`owner=did:…`, `tags~x`)
//! and tag terms (`#tag`). Predicates: `=`, `>`, `<`, `~` followed by a value (quoted with `'…'`, `\'` and `\\`
//! escapes, or unquoted without spaces) or `?`. Only the syntax is checked; nothing is evaluated.
//!
//! Error offsets are reported as peggy does: the 1-based column (UTF-16 units on its line) of the farthest
//! position where a non-silenced expectation failed (failures inside named rules count at the rule's start).

/// `Ok(())` if `query` is a syntactically valid IQL expression, else the character offset `@nmshd/iql` reports.
pub fn validate(query: &str) -> Result<(), usize> {
    let mut p = Parser {
        s: query.chars().collect(),
        pos: 0,
        max_fail: 0,
        silent: 0,
    };
    let ok = p.expr();
    if ok && p.pos == p.s.len() {
        return Ok(());
    }
    if ok {
        p.fail_at(p.pos);
    }
    let line_start = p.s[..p.max_fail]
        .iter()
        .rposition(|c| *c == '\n')
        .map_or(0, |i| i + 1);
    Err(p.s[line_start..p.max_fail]
        .iter()
        .map(|c| c.len_utf16())
        .sum::<usize>()
        + 1)
}

struct Parser {
    s: Vec<char>,
    pos: usize,
    max_fail: usize,
    silent: u32,
}

impl Parser {
    fn fail_at(&mut self, pos: usize) {
        if self.silent == 0 && pos > self.max_fail {
            self.max_fail = pos;
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.pos).copied()
    }

    /// One character satisfying `f` (a literal or a character class).
    fn class(&mut self, f: impl Fn(char) -> bool) -> bool {
        match self.peek() {
            Some(c) if f(c) => {
                self.pos += 1;
                true
            }
            _ => {
                self.fail_at(self.pos);
                false
            }
        }
    }

    fn lit(&mut self, c: char) -> bool {
        self.class(|x| x == c)
    }

    fn lit2(&mut self, a: char, b: char) -> bool {
        let save = self.pos;
        if self.peek() == Some(a) && self.s.get(self.pos + 1) == Some(&b) {
            self.pos += 2;
            return true;
        }
        self.fail_at(save);
        false
    }

    /// A named rule: inner failures are silent, a failure counts at the rule's start.
    fn named(&mut self, rule: fn(&mut Self) -> bool) -> bool {
        let start = self.pos;
        self.silent += 1;
        let ok = rule(self);
        self.silent -= 1;
        if !ok {
            self.pos = start;
            self.fail_at(start);
        }
        ok
    }

    /// `_+`
    fn ws_plus(&mut self) -> bool {
        let ws = |p: &mut Self| p.class(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        if !self.named(ws) {
            return false;
        }
        while self.named(ws) {}
        true
    }

    /// `h:Sub t:(_+ op _+ @Sub)*`
    fn chain(&mut self, op: char, sub: fn(&mut Self) -> bool) -> bool {
        if !sub(self) {
            return false;
        }
        loop {
            let save = self.pos;
            if self.ws_plus() && self.lit2(op, op) && self.ws_plus() && sub(self) {
                continue;
            }
            self.pos = save;
            return true;
        }
    }

    fn expr(&mut self) -> bool {
        self.chain('|', Self::expr0)
    }

    fn expr0(&mut self) -> bool {
        self.chain('&', Self::expr1)
    }

    fn expr1(&mut self) -> bool {
        let save = self.pos;
        if self.lit('!') && self.expr1() {
            return true;
        }
        self.pos = save;
        self.expr2()
    }

    fn expr2(&mut self) -> bool {
        let save = self.pos;
        if self.lit('(') && self.ws_plus() && self.expr() && self.ws_plus() && self.lit(')') {
            return true;
        }
        self.pos = save;
        self.named(Self::primary_field_term)
            || self.named(Self::metadata_field_term)
            || self.named(Self::tag_term)
    }

    fn attribute_type(&mut self) -> bool {
        self.named(|p| {
            if !p.class(|c| c.is_ascii_uppercase()) {
                return false;
            }
            while p.class(|c| c.is_ascii_alphanumeric()) {}
            true
        })
    }

    /// `[a-z][A-Za-z0-9]+`
    fn path_segment(&mut self) -> bool {
        let save = self.pos;
        if self.class(|c| c.is_ascii_lowercase()) && self.class(|c| c.is_ascii_alphanumeric()) {
            while self.class(|c| c.is_ascii_alphanumeric()) {}
            return true;
        }
        self.pos = save;
        false
    }

    /// `( "." @PathSegment )*` (`at_least_one` for `+`)
    fn dotted_segments(&mut self, at_least_one: bool) -> bool {
        let mut count = 0;
        loop {
            let save = self.pos;
            if self.lit('.') && self.path_segment() {
                count += 1;
                continue;
            }
            self.pos = save;
            return count > 0 || !at_least_one;
        }
    }

    fn primary_field_term(&mut self) -> bool {
        let start = self.pos;
        if self.attribute_type() && self.dotted_segments(true) && self.predicate() {
            return true;
        }
        self.pos = start;
        if self.attribute_type() && self.predicate() {
            return true;
        }
        self.pos = start;
        self.attribute_type()
    }

    fn metadata_field_term(&mut self) -> bool {
        let start = self.pos;
        if self.path_segment() && self.dotted_segments(false) && self.predicate() {
            return true;
        }
        self.pos = start;
        false
    }

    fn tag_term(&mut self) -> bool {
        let start = self.pos;
        if self.lit('#') && self.predicate_rhs() {
            return true;
        }
        self.pos = start;
        false
    }

    fn predicate(&mut self) -> bool {
        let start = self.pos;
        if self.class(|c| matches!(c, '=' | '>' | '<' | '~')) && self.predicate_rhs() {
            return true;
        }
        self.pos = start;
        self.lit('?')
    }

    /// An escape (`\\` or `\'`) or one character of `allowed`.
    fn rhs_char(&mut self, allowed: fn(char) -> bool) -> bool {
        if self.lit2('\\', '\\') || self.lit2('\\', '\'') {
            return true;
        }
        self.class(allowed)
    }

    fn predicate_rhs(&mut self) -> bool {
        let start = self.pos;
        if self.lit('\'') {
            while self.rhs_char(|c| c != '\'' && c != '\\') {}
            if self.lit('\'') {
                return true;
            }
        }
        self.pos = start;
        while self.rhs_char(|c| c != '\'' && c != '\\' && c != ' ') {}
        true
    }
}
