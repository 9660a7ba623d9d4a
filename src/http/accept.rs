//! `Accept` negotiation for the routes' declared media types (quality-aware, like Express's
//! `req.accepts`): no header or `*/*` means JSON.

use super::catalog::Produces;

/// The media type chosen for a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json`.
    Json,
    /// `image/png` (QR code variants).
    Png,
}

impl MediaType {
    fn essence(self) -> (&'static str, &'static str) {
        match self {
            Self::Json => ("application", "json"),
            Self::Png => ("image", "png"),
        }
    }
}

/// Picks the response type, `Some(None)` when the route declares none (anything goes), and
/// `None` when nothing offered is acceptable (→ 406).
pub fn negotiate(accept: Option<&str>, produces: Produces) -> Option<Option<MediaType>> {
    let offered: &[MediaType] = match produces {
        Produces::Any => return Some(None),
        Produces::Json => &[MediaType::Json],
        Produces::JsonOrPng => &[MediaType::Json, MediaType::Png],
    };
    let accept = accept.map(str::trim).filter(|a| !a.is_empty());
    let Some(accept) = accept else {
        return Some(Some(offered[0]));
    };
    let ranges: Vec<(String, String, f32)> = accept.split(',').filter_map(parse_range).collect();
    let mut best: Option<(f32, MediaType)> = None;
    for &media in offered {
        let (ty, sub) = media.essence();
        // The most specific matching range decides the quality (RFC 9110 §12.5.1).
        let quality = ranges
            .iter()
            .filter(|(t, s, _)| (t == "*" || t == ty) && (s == "*" || s == sub))
            .max_by_key(|(t, s, _)| u8::from(t != "*") + u8::from(s != "*"))
            .map(|(_, _, q)| *q);
        if let Some(q) = quality.filter(|q| *q > 0.0)
            && best.is_none_or(|(b, _)| q > b)
        {
            best = Some((q, media));
        }
    }
    best.map(|(_, media)| Some(media))
}

fn parse_range(range: &str) -> Option<(String, String, f32)> {
    let mut parts = range.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    let (ty, sub) = essence.split_once('/')?;
    let mut quality = 1.0;
    for param in parts {
        if let Some((k, v)) = param.split_once('=')
            && k.trim().eq_ignore_ascii_case("q")
        {
            quality = v.trim().parse().unwrap_or(0.0);
        }
    }
    Some((ty.trim().to_owned(), sub.trim().to_owned(), quality))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        use MediaType::*;
        assert_eq!(negotiate(None, Produces::Json), Some(Some(Json)));
        assert_eq!(
            negotiate(Some("*/*"), Produces::JsonOrPng),
            Some(Some(Json))
        );
        assert_eq!(
            negotiate(Some("image/png"), Produces::JsonOrPng),
            Some(Some(Png))
        );
        assert_eq!(negotiate(Some("image/png"), Produces::Json), None);
        assert_eq!(
            negotiate(
                Some("application/json;q=0.5, image/png"),
                Produces::JsonOrPng
            ),
            Some(Some(Png))
        );
        assert_eq!(
            negotiate(Some("application/*"), Produces::Json),
            Some(Some(Json))
        );
        assert_eq!(
            negotiate(Some("application/json;q=0"), Produces::Json),
            None
        );
        assert_eq!(
            negotiate(Some("application/octet-stream"), Produces::Any),
            Some(None)
        );
        assert_eq!(negotiate(Some("text/html"), Produces::Json), None);
    }
}
