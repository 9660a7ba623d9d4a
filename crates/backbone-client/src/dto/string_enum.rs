//! `string_enum!`: an enum written as a JSON string, with an `Other(String)` variant for values
//! this client does not know yet (so a newer Backbone does not break decoding).

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this client does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The JSON string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(text) => text,
                }
            }

            /// The variant for `text` (`Other` when unknown).
            pub fn parse(text: &str) -> Self {
                match text {
                    $( $text => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    string_enum! {
        /// test enum
        pub enum Color {
            /// red
            Red = "Red",
            /// lower-case on the wire
            Blue = "blue",
        }
    }

    #[test]
    fn round_trips_and_keeps_unknown_values() {
        assert_eq!(serde_json::to_string(&Color::Blue).unwrap(), r#""blue""#);
        let c: Color = serde_json::from_str(r#""Red""#).unwrap();
        assert_eq!(c, Color::Red);
        let o: Color = serde_json::from_str(r#""Green""#).unwrap();
        assert_eq!(o, Color::Other("Green".into()));
        assert_eq!(serde_json::to_string(&o).unwrap(), r#""Green""#);
        assert_eq!(Color::Red.to_string(), "Red");
        assert!(serde_json::from_str::<Color>("3").is_err());
    }
}
