//! Role (scope) matching as in the real Connector (`connector-api.md` §3.4): a caller role may
//! use `*` for exactly one segment and `**` for one or more colon-separated segments.

/// True when any of the caller's roles permits any of the route's roles.
pub fn is_permitted(caller_roles: &[String], permitted: &[&str]) -> bool {
    caller_roles
        .iter()
        .any(|role| permitted.iter().any(|p| role_matches(role, p)))
}

/// True when the caller role `pattern` matches the required role `role` (case-sensitive).
pub fn role_matches(pattern: &str, role: &str) -> bool {
    let pattern: Vec<&str> = pattern.split(':').collect();
    let role: Vec<&str> = role.split(':').collect();
    matches_from(&pattern, &role)
}

fn is_segment(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn matches_from(pattern: &[&str], role: &[&str]) -> bool {
    match (pattern.split_first(), role.split_first()) {
        (None, None) => true,
        (Some((&"**", rest)), Some(_)) => {
            // `**` consumes one or more segments.
            (1..=role.len())
                .any(|n| role[..n].iter().all(|s| is_segment(s)) && matches_from(rest, &role[n..]))
        }
        (Some((&"*", rest)), Some((first, role_rest))) => {
            is_segment(first) && matches_from(rest, role_rest)
        }
        (Some((p, rest)), Some((r, role_rest))) => p == r && matches_from(rest, role_rest),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(role_matches("core:*", "core:messages"));
        assert!(!role_matches("core:*", "core:requests:incoming"));
        assert!(role_matches("core:**", "core:requests:incoming"));
        assert!(role_matches("core:**", "core:messages"));
        assert!(role_matches("**", "monitoring:version"));
        assert!(!role_matches("*", "core:messages"));
        assert!(role_matches("core:messages", "core:messages"));
        assert!(!role_matches("Core:messages", "core:messages"));
        assert!(!role_matches("core:**", "core"));
        assert!(is_permitted(
            &["x".into(), "core:requests:incoming".into()],
            &["core:requests", "core:requests:incoming"]
        ));
        assert!(!is_permitted(&[], &["core:files"]));
    }
}
