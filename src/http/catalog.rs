//! Every route of the real Connector (`connector-api.md` §7): method, path template, required
//! scope and the media types it produces. The edge uses this one table for case-insensitive
//! matching, 404/405 with `Allow`, scope checks and 406; the router registers a handler (or the
//! "not implemented yet" answer) for each entry.

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No authentication (`/health`).
    Public,
    /// Authenticated, and one of the caller's roles matches one of these.
    Scoped(&'static [&'static str]),
}

/// Media types a route can answer with (drives `Accept` negotiation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Produces {
    /// Only `application/json`.
    Json,
    /// `application/json` or a QR code as `image/png`.
    JsonOrPng,
    /// No declared type: any `Accept` is fine.
    Any,
}

/// One route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template with `{param}` segments, in canonical case.
    pub path: &'static str,
    /// Required scope.
    pub access: Access,
    /// Negotiable media types.
    pub produces: Produces,
    /// Registered only in debug mode.
    pub debug_only: bool,
}

/// Prefix of the business API.
pub const API_BASE: &str = "/api/core/v1";

macro_rules! routes {
    ($( $method:ident $path:literal $scope:expr, $produces:ident $(, $debug:ident)? ;)*) => {
        &[ $( RouteSpec {
            method: stringify!($method),
            path: $path,
            access: $scope,
            produces: Produces::$produces,
            debug_only: routes!(@debug $($debug)?),
        }, )* ]
    };
    (@debug debug) => { true };
    (@debug) => { false };
}

const fn s(scopes: &'static [&'static str]) -> Access {
    Access::Scoped(scopes)
}

const ACCOUNT: Access = s(&["core:account"]);
const ANNOUNCEMENTS: Access = s(&["core:announcements"]);
const NOTIFICATIONS: Access = s(&["core:backboneNotifications"]);
const CHALLENGES: Access = s(&["core:challenges"]);
const FILES: Access = s(&["core:files"]);
const METADATA: Access = s(&["core:identityMetadata"]);
const MESSAGES: Access = s(&["core:messages"]);
const TEMPLATES: Access = s(&["core:relationshipTemplates"]);
const RELATIONSHIPS: Access = s(&["core:relationships"]);
const TOKENS: Access = s(&["core:tokens"]);
const ATTRIBUTES: Access = s(&["core:attributes"]);
const INCOMING: Access = s(&["core:requests", "core:requests:incoming"]);
const OUTGOING: Access = s(&["core:requests", "core:requests:outgoing"]);
const DELETION: Access = s(&["debug:identityDeletionProcess"]);

/// The full route table, in the real controllers' declaration order (which fixes `Allow`).
pub const ROUTES: &[RouteSpec] = routes![
    GET "/health" Access::Public, Json;
    GET "/Monitoring/Version" s(&["monitoring:version"]), Json;
    GET "/Monitoring/Requests" s(&["monitoring:requests"]), Json;
    GET "/Monitoring/Support" s(&["monitoring:support"]), Json;

    GET "/api/core/v1/Account/IdentityInfo" ACCOUNT, Json;
    POST "/api/core/v1/Account/Sync" ACCOUNT, Json;
    GET "/api/core/v1/Account/SyncInfo" ACCOUNT, Json;

    GET "/api/core/v1/Announcements" ANNOUNCEMENTS, Json;

    POST "/api/core/v1/BackboneNotifications" NOTIFICATIONS, Json;

    POST "/api/core/v1/Challenges" CHALLENGES, Json;
    POST "/api/core/v1/Challenges/Validate" CHALLENGES, Json;

    POST "/api/core/v1/Files/Own" FILES, Json;
    POST "/api/core/v1/Files/Peer" FILES, Json;
    GET "/api/core/v1/Files" FILES, Json;
    GET "/api/core/v1/Files/Own" FILES, Json;
    GET "/api/core/v1/Files/Peer" FILES, Json;
    GET "/api/core/v1/Files/{idOrReference}" FILES, JsonOrPng;
    GET "/api/core/v1/Files/{id}/Download" FILES, Any;
    POST "/api/core/v1/Files/{id}/Token" FILES, JsonOrPng;
    PATCH "/api/core/v1/Files/{id}/RegenerateOwnershipToken" FILES, Any;
    DELETE "/api/core/v1/Files/{id}" FILES, Any;

    PUT "/api/core/v1/IdentityMetadata" METADATA, Json;
    GET "/api/core/v1/IdentityMetadata" METADATA, Any;
    DELETE "/api/core/v1/IdentityMetadata" METADATA, Any;

    POST "/api/core/v1/Messages" MESSAGES, Json;
    GET "/api/core/v1/Messages" MESSAGES, Json;
    GET "/api/core/v1/Messages/{id}" MESSAGES, Json;
    GET "/api/core/v1/Messages/{id}/Attachments/{attachmentId}" MESSAGES, Json;
    GET "/api/core/v1/Messages/{id}/Attachments/{attachmentId}/Download" MESSAGES, Json;

    GET "/api/core/v1/RelationshipTemplates" TEMPLATES, Any;
    GET "/api/core/v1/RelationshipTemplates/Own" TEMPLATES, Json;
    GET "/api/core/v1/RelationshipTemplates/Peer" TEMPLATES, Json;
    GET "/api/core/v1/RelationshipTemplates/{id}" TEMPLATES, JsonOrPng;
    POST "/api/core/v1/RelationshipTemplates/Own" TEMPLATES, Json;
    POST "/api/core/v1/RelationshipTemplates/Peer" TEMPLATES, Json;
    DELETE "/api/core/v1/RelationshipTemplates/{id}" TEMPLATES, Any;
    POST "/api/core/v1/RelationshipTemplates/Own/{id}/Token" TEMPLATES, JsonOrPng;

    PUT "/api/core/v1/Relationships/CanCreate" RELATIONSHIPS, Json;
    POST "/api/core/v1/Relationships" RELATIONSHIPS, Json;
    GET "/api/core/v1/Relationships" RELATIONSHIPS, Json;
    GET "/api/core/v1/Relationships/{id}" RELATIONSHIPS, Json;
    GET "/api/core/v1/Relationships/{id}/Attributes" RELATIONSHIPS, Json;
    PUT "/api/core/v1/Relationships/{id}/Accept" RELATIONSHIPS, Json;
    PUT "/api/core/v1/Relationships/{id}/Reject" RELATIONSHIPS, Json;
    PUT "/api/core/v1/Relationships/{id}/Revoke" RELATIONSHIPS, Json;
    PUT "/api/core/v1/Relationships/{id}/Terminate" RELATIONSHIPS, Json;
    PUT "/api/core/v1/Relationships/{id}/Reactivate" RELATIONSHIPS, Json;
    PUT "/api/core/v1/Relationships/{id}/Reactivate/Accept" RELATIONSHIPS, Json;
    PUT "/api/core/v1/Relationships/{id}/Reactivate/Reject" RELATIONSHIPS, Json;
    PUT "/api/core/v1/Relationships/{id}/Reactivate/Revoke" RELATIONSHIPS, Json;
    DELETE "/api/core/v1/Relationships/{id}" RELATIONSHIPS, Json;

    POST "/api/core/v1/Tokens/Own" TOKENS, Json;
    POST "/api/core/v1/Tokens/Peer" TOKENS, Json;
    GET "/api/core/v1/Tokens/Own" TOKENS, Json;
    GET "/api/core/v1/Tokens/Peer" TOKENS, Json;
    GET "/api/core/v1/Tokens/{id}" TOKENS, JsonOrPng;
    DELETE "/api/core/v1/Tokens/{id}" TOKENS, Any;

    PUT "/api/core/v1/Attributes/CanCreate" ATTRIBUTES, Json;
    POST "/api/core/v1/Attributes" ATTRIBUTES, Json;
    POST "/api/core/v1/Attributes/{predecessorId}/Succeed" ATTRIBUTES, Json;
    POST "/api/core/v1/Attributes/{id}/NotifyPeer" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes/Own/Identity" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes/Own/Shared/{peer}" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes/Peer/{peer}" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes/{id}/ForwardingDetails" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes/{id}/Versions" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes/{id}/Versions/Shared" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes/TagCollection" ATTRIBUTES, Json;
    POST "/api/core/v1/Attributes/ExecuteIdentityAttributeQuery" ATTRIBUTES, Json;
    POST "/api/core/v1/Attributes/ExecuteRelationshipAttributeQuery" ATTRIBUTES, Json;
    POST "/api/core/v1/Attributes/ExecuteThirdPartyRelationshipAttributeQuery" ATTRIBUTES, Json;
    POST "/api/core/v1/Attributes/ExecuteIQLQuery" ATTRIBUTES, Json;
    POST "/api/core/v1/Attributes/ValidateIQLQuery" ATTRIBUTES, Json;
    GET "/api/core/v1/Attributes/{id}" ATTRIBUTES, Json;
    DELETE "/api/core/v1/Attributes/{id}" ATTRIBUTES, Any;

    GET "/api/core/v1/Requests/Incoming" INCOMING, Json;
    GET "/api/core/v1/Requests/Incoming/{id}" INCOMING, Json;
    PUT "/api/core/v1/Requests/Incoming/{id}/CanAccept" INCOMING, Json;
    PUT "/api/core/v1/Requests/Incoming/{id}/Accept" INCOMING, Json;
    PUT "/api/core/v1/Requests/Incoming/{id}/CanReject" INCOMING, Json;
    PUT "/api/core/v1/Requests/Incoming/{id}/Reject" INCOMING, Json;
    POST "/api/core/v1/Requests/Outgoing/Validate" OUTGOING, Json;
    POST "/api/core/v1/Requests/Outgoing" OUTGOING, Json;
    GET "/api/core/v1/Requests/Outgoing" OUTGOING, Json;
    GET "/api/core/v1/Requests/Outgoing/{id}" OUTGOING, Json;

    POST "/api/core/v1/IdentityDeletionProcess" DELETION, Json, debug;
    GET "/api/core/v1/IdentityDeletionProcess" DELETION, Json, debug;
    DELETE "/api/core/v1/IdentityDeletionProcess" DELETION, Json, debug;
];

/// The outcome of matching a request against the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A route matched; `canonical_path` is the request path with the template's casing.
    Found {
        /// The route.
        route: RouteSpec,
        /// Path to hand to the router.
        canonical_path: String,
    },
    /// The path is a business route or a public one, the method is not; methods declared for
    /// that path.
    MethodNotAllowed {
        /// Allowed methods, declaration order.
        allow: Vec<String>,
        /// The path is public (`/health`): no authentication before the 405.
        public: bool,
    },
    /// Nothing matches.
    NotFound,
}

/// Specificity of a template match: literal segments, earlier ones weighing more. Express
/// registers static paths before parameterised ones, so `/Files/Own` wins over `/Files/{id}`.
type Score = Vec<bool>;

fn match_template(template: &str, segments: &[&str]) -> Option<(Score, String)> {
    let parts: Vec<&str> = template.split('/').skip(1).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut score = Vec::with_capacity(parts.len());
    let mut canonical = String::new();
    for (part, segment) in parts.iter().zip(segments) {
        canonical.push('/');
        if part.starts_with('{') {
            if segment.is_empty() {
                return None;
            }
            score.push(false);
            canonical.push_str(segment);
        } else if part.eq_ignore_ascii_case(segment) {
            score.push(true);
            canonical.push_str(part);
        } else {
            return None;
        }
    }
    Some((score, canonical))
}

/// Whether two templates match the same paths (they differ at most in parameter names).
fn same_shape(a: &str, b: &str) -> bool {
    let shape = |t: &str| -> Vec<String> {
        t.split('/')
            .map(|p| if p.starts_with('{') { "{}" } else { p }.to_owned())
            .collect()
    };
    shape(a) == shape(b)
}

/// Matches like Express: case-insensitive literals, one trailing slash tolerated.
pub fn lookup(method: &str, path: &str, debug: bool) -> Lookup {
    let trimmed = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
    let mut best_any: Option<(Score, &RouteSpec)> = None;
    let mut best_method: Option<(Score, RouteSpec, String)> = None;
    for route in ROUTES.iter().filter(|r| debug || !r.debug_only) {
        let Some((score, canonical)) = match_template(route.path, &segments) else {
            continue;
        };
        if best_any.as_ref().is_none_or(|(s, _)| score > *s) {
            best_any = Some((score.clone(), route));
        }
        if route.method == method && best_method.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best_method = Some((score, *route, canonical));
        }
    }
    match (best_method, best_any) {
        (Some((_, route, canonical_path)), _) => Lookup::Found {
            route,
            canonical_path,
        },
        (None, Some((_, route)))
            if route.path.starts_with(API_BASE) || route.access == Access::Public =>
        {
            Lookup::MethodNotAllowed {
                // Every template of this shape (`/Files/{idOrReference}` and `/Files/{id}` are
                // one path to a client).
                allow: ROUTES
                    .iter()
                    .filter(|r| same_shape(r.path, route.path) && (debug || !r.debug_only))
                    .map(|r| r.method.to_owned())
                    .collect(),
                public: route.access == Access::Public,
            }
        }
        _ => Lookup::NotFound,
    }
}

/// Routes in the order the router must register them: most specific first, so that a
/// parameter segment never shadows a literal one.
pub fn registration_order(debug: bool) -> Vec<RouteSpec> {
    let mut routes: Vec<RouteSpec> = ROUTES
        .iter()
        .copied()
        .filter(|r| debug || !r.debug_only)
        .collect();
    routes.sort_by_key(|r| {
        std::cmp::Reverse(
            r.path
                .split('/')
                .skip(1)
                .map(|p| !p.starts_with('{'))
                .collect::<Vec<bool>>(),
        )
    });
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_route() {
        let business = ROUTES
            .iter()
            .filter(|r| r.path.starts_with(API_BASE) && !r.debug_only)
            .count();
        assert_eq!(business, 82);
        assert_eq!(ROUTES.iter().filter(|r| r.debug_only).count(), 3);
        assert_eq!(ROUTES.len(), 82 + 3 + 4);
    }

    #[test]
    fn matching_is_case_insensitive_and_prefers_literals() {
        let Lookup::Found {
            route,
            canonical_path,
        } = lookup("GET", "/API/core/V1/files/own/", false)
        else {
            panic!("no match")
        };
        assert_eq!(route.path, "/api/core/v1/Files/Own");
        assert_eq!(canonical_path, "/api/core/v1/Files/Own");
        let Lookup::Found {
            route,
            canonical_path,
        } = lookup("GET", "/api/core/v1/files/FILabc", false)
        else {
            panic!("no match")
        };
        assert_eq!(route.path, "/api/core/v1/Files/{idOrReference}");
        assert_eq!(canonical_path, "/api/core/v1/Files/FILabc");
    }

    #[test]
    fn method_not_allowed_lists_the_declared_methods() {
        assert_eq!(
            lookup("PATCH", "/api/core/v1/Files", false),
            Lookup::MethodNotAllowed {
                allow: vec!["GET".into()],
                public: false,
            }
        );
        assert_eq!(
            lookup("PUT", "/api/core/v1/Tokens/Own", false),
            Lookup::MethodNotAllowed {
                allow: vec!["POST".into(), "GET".into()],
                public: false,
            }
        );
        assert_eq!(
            lookup("GET", "/api/core/v1/Tokens", false),
            Lookup::NotFound
        );
        // `/health` is public: a wrong method is a 405 without authentication.
        assert_eq!(
            lookup("TRACE", "/health", false),
            Lookup::MethodNotAllowed {
                allow: vec!["GET".into()],
                public: true,
            }
        );
        // One path, two templates: `GET /Files/{idOrReference}` and `DELETE /Files/{id}`.
        assert_eq!(
            lookup("OPTIONS", "/api/core/v1/Files/FILaaaaaaaaaaaaaaaaa", false),
            Lookup::MethodNotAllowed {
                allow: vec!["GET".into(), "DELETE".into()],
                public: false,
            }
        );
        assert_eq!(
            lookup("GET", "/api/core/v1/IdentityDeletionProcess", false),
            Lookup::NotFound
        );
        assert!(matches!(
            lookup("GET", "/api/core/v1/IdentityDeletionProcess", true),
            Lookup::Found { .. }
        ));
    }

    #[test]
    fn registration_puts_literals_first() {
        let order = registration_order(false);
        let own = order
            .iter()
            .position(|r| r.path == "/api/core/v1/Files/Own" && r.method == "GET");
        let by_id = order
            .iter()
            .position(|r| r.path == "/api/core/v1/Files/{idOrReference}");
        assert!(own < by_id);
    }
}
