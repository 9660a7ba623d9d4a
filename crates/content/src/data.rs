//! Data copied from nmshd/runtime HEAD (55705c66): the ISO 3166-1 alpha-2 codes of
//! `packages/core-types/src/CountriesAlpha2.ts`, the ISO 639-1 codes of `packages/core-types/src/LanguagesISO639.ts`,
//! and the character class of `AttributesController.validateAttributeCharacters`
//! (`packages/consumption/src/modules/attributes/AttributesController.ts`), character for character
//! (non-ASCII characters written as `\u{..}` escapes so that combining marks stay visible).

pub(crate) const COUNTRIES: [&str; 249] = [
    "AF", "AL", "AS", "AD", "AO", "AI", "AQ", "AG", "AR", "AM", "AW", "AU", "AT", "AZ", "AE", "AX",
    "BS", "BH", "BD", "BB", "BY", "BE", "BZ", "BJ", "BM", "BT", "BO", "BQ", "BA", "BW", "BV", "BR",
    "BN", "BG", "BF", "BI", "BL", "CV", "CM", "CA", "CF", "CL", "CN", "CX", "CC", "CO", "CD", "CG",
    "CK", "CR", "CU", "CW", "CY", "CZ", "CI", "CH", "DZ", "DK", "DJ", "DM", "DO", "DE", "EC", "EG",
    "ER", "EE", "ET", "ES", "EH", "FK", "FO", "FJ", "FI", "FR", "FM", "GQ", "GF", "GA", "GM", "GE",
    "GH", "GI", "GR", "GL", "GD", "GP", "GU", "GT", "GG", "GN", "GW", "GY", "GS", "GB", "HR", "HT",
    "HM", "HN", "HK", "HU", "IO", "IS", "IN", "ID", "IR", "IQ", "IE", "IM", "IL", "IT", "JM", "JP",
    "JE", "JO", "KH", "KY", "KM", "KZ", "KE", "KI", "KP", "KR", "KW", "KG", "KN", "LA", "LV", "LB",
    "LS", "LR", "LY", "LI", "LT", "LU", "LC", "LK", "MO", "MG", "MW", "MY", "MV", "ML", "MT", "MH",
    "MQ", "MR", "MU", "MX", "MD", "MC", "MN", "ME", "MS", "MA", "MZ", "MM", "MP", "MK", "MF", "NA",
    "NR", "NP", "NL", "NC", "NZ", "NI", "NE", "NG", "NU", "NF", "NO", "OM", "PF", "PK", "PW", "PS",
    "PA", "PG", "PY", "PE", "PH", "PN", "PL", "PT", "PR", "PM", "QA", "RO", "RU", "RW", "RE", "RS",
    "SV", "SZ", "SH", "SM", "ST", "SA", "SN", "SC", "SL", "SG", "SX", "SK", "SI", "SB", "SO", "SS",
    "SD", "SR", "SJ", "SE", "SY", "TD", "TF", "TW", "TJ", "TZ", "TH", "TL", "TG", "TK", "TO", "TT",
    "TN", "TR", "TM", "TC", "TV", "UG", "UA", "UM", "US", "UY", "UZ", "VA", "VC", "VU", "VE", "VN",
    "VG", "VI", "WS", "WF", "YT", "YE", "ZA", "ZM", "ZW",
];

pub(crate) const LANGUAGES: [&str; 183] = [
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia",
    "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk",
    "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo",
    "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd",
    "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// The whitelist regex (a JavaScript regex without the `u` flag; every character in it is in the BMP,
/// so matching on Rust `char`s gives the same answer as JavaScript's UTF-16 code units).
pub(crate) const WHITELIST_PATTERN: &str = "^([\\x{0009}-\\x{000A}]|\\x{000D}|[ -~]|[\u{00A0}-\u{00AC}]|[\u{00AE}-\u{017E}]|[\u{0187}-\u{0188}]|\u{018F}|\u{0197}|[\u{01A0}-\u{01A1}]|[\u{01AF}-\u{01B0}]|\u{01B7}|[\u{01CD}-\u{01DC}]|[\u{01DE}-\u{01DF}]|[\u{01E2}-\u{01F0}]|[\u{01F4}-\u{01F5}]|[\u{01F8}-\u{01FF}]|[\u{0212}-\u{0213}]|[\u{0218}-\u{021B}]|[\u{021E}-\u{021F}]|[\u{0227}-\u{0233}]|\u{0259}|\u{0268}|\u{0292}|[\u{02B9}-\u{02BA}]|[\u{02BE}-\u{02BF}]|\u{02C8}|\u{02CC}|[\u{1E02}-\u{1E03}]|[\u{1E06}-\u{1E07}]|[\u{1E0A}-\u{1E11}]|\u{1E17}|[\u{1E1C}-\u{1E2B}]|[\u{1E2F}-\u{1E37}]|[\u{1E3A}-\u{1E3B}]|[\u{1E40}-\u{1E49}]|[\u{1E52}-\u{1E5B}]|[\u{1E5E}-\u{1E63}]|[\u{1E6A}-\u{1E6F}]|[\u{1E80}-\u{1E87}]|[\u{1E8C}-\u{1E97}]|\u{1E9E}|[\u{1EA0}-\u{1EF9}]|\u{2019}|\u{2021}|\u{20AC}|A\u{030B}|C(\u{0300}|\u{0304}|\u{0306}|\u{0308}|\u{0315}|\u{0323}|\u{0326}|\u{0328}\u{0306})|D\u{0302}|F(\u{0300}|\u{0304})|G\u{0300}|H(\u{0304}|\u{0326}|\u{0331})|J(\u{0301}|\u{030C})|K(\u{0300}|\u{0302}|\u{0304}|\u{0307}|\u{0315}|\u{031B}|\u{0326}|\u{035F}H|\u{035F}h)|L(\u{0302}|\u{0325}|\u{0325}\u{0304}|\u{0326})|M(\u{0300}|\u{0302}|\u{0306}|\u{0310})|N(\u{0302}|\u{0304}|\u{0306}|\u{0326})|P(\u{0300}|\u{0304}|\u{0315}|\u{0323})|R(\u{0306}|\u{0325}|\u{0325}\u{0304})|S(\u{0300}|\u{0304}|\u{031B}\u{0304}|\u{0331})|T(\u{0300}|\u{0304}|\u{0308}|\u{0315}|\u{031B})|U\u{0307}|Z(\u{0300}|\u{0304}|\u{0306}|\u{0308}|\u{0327})|a\u{030B}|c(\u{0300}|\u{0304}|\u{0306}|\u{0308}|\u{0315}|\u{0323}|\u{0326}|\u{0328}\u{0306})|d\u{0302}|f(\u{0300}|\u{0304})|g\u{0300}|h(\u{0304}|\u{0326})|j\u{0301}|k(\u{0300}|\u{0302}|\u{0304}|\u{0307}|\u{0315}|\u{031B}|\u{0326}|\u{035F}h)|l(\u{0302}|\u{0325}|\u{0325}\u{0304}|\u{0326})|m(\u{0300}|\u{0302}|\u{0306}|\u{0310})|n(\u{0302}|\u{0304}|\u{0306}|\u{0326})|p(\u{0300}|\u{0304}|\u{0315}|\u{0323})|r(\u{0306}|\u{0325}|\u{0325}\u{0304})|s(\u{0300}|\u{0304}|\u{031B}\u{0304}|\u{0331})|t(\u{0300}|\u{0304}|\u{0315}|\u{031B})|u\u{0307}|z(\u{0300}|\u{0304}|\u{0306}|\u{0308}|\u{0327})|\u{00C7}\u{0306}|\u{00DB}\u{0304}|\u{00E7}\u{0306}|\u{00FB}\u{0304}|\u{00FF}\u{0301}|\u{010C}(\u{0315}|\u{0323})|\u{010D}(\u{0315}|\u{0323})|\u{0113}\u{030D}|\u{012A}\u{0301}|\u{012B}\u{0301}|\u{014D}\u{030D}|\u{017D}(\u{0326}|\u{0327})|\u{017E}(\u{0326}|\u{0327})|\u{1E32}\u{0304}|\u{1E33}\u{0304}|\u{1E62}\u{0304}|\u{1E63}\u{0304}|\u{1E6C}\u{0304}|\u{1E6D}\u{0304}|\u{1EA0}\u{0308}|\u{1EA1}\u{0308}|\u{1ECC}\u{0308}|\u{1ECD}\u{0308}|\u{1EE4}(\u{0304}|\u{0308})|\u{1EE5}(\u{0304}|\u{0308}))*$";
