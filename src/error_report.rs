//! How a failed command is reported: one line, each cause once. Error types here often include
//! their source in their own message (`"…: {0}"`) and also return it as `source()`, so printing
//! the whole chain would repeat every cause; a cause whose text the line already ends with is
//! left out.

use std::error::Error;

/// The error and its causes on one line, `outer: cause: root cause`, without repetitions.
pub fn one_line(error: &(dyn Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("The identity could not be loaded: {0}")]
        Inner(#[from] Inner),
    }

    #[derive(Debug, thiserror::Error)]
    enum Inner {
        #[error("Backbone request failed: {0}")]
        Io(#[source] std::io::Error),
        #[error("wrapped")]
        Quiet(#[source] std::io::Error),
    }

    #[test]
    fn each_cause_appears_once() {
        let refused = || std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let error = Outer::from(Inner::Io(refused()));
        assert_eq!(
            one_line(&error),
            "The identity could not be loaded: Backbone request failed: refused"
        );
        // A wrapper that does not print its source gets it appended.
        let error = Outer::from(Inner::Quiet(refused()));
        assert_eq!(
            one_line(&error),
            "The identity could not be loaded: wrapped: refused"
        );
    }
}
