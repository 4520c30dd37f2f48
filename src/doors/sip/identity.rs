//! Who is calling: the caller's number from `P-Asserted-Identity` (set by a trusted trunk) or `From`.

use rsipstack::sip::Uri;

/// The calling party as presented in the INVITE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerId {
    /// The caller's phone number (digits with an optional leading `+`), if the identity is a number.
    pub number: Option<String>,
    /// The display name, if any.
    pub display_name: Option<String>,
    /// The identity URI as sent, for logs.
    pub uri: String,
}

impl CallerId {
    /// Takes the first `P-Asserted-Identity` value that parses, else `From`. Anonymous callers have no number.
    pub fn from_headers(asserted: &[&str], from: &str) -> Option<Self> {
        asserted
            .iter()
            .flat_map(|value| split_values(value))
            .find_map(parse_name_addr)
            .or_else(|| parse_name_addr(from))
    }
}

/// Splits a header value holding several comma-separated name-addrs (commas inside quotes or `<>` kept).
fn split_values(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// Parses `"Name" <sip:+1415@host>;tag=x`, `<tel:+1415>` or a bare `sip:user@host`.
fn parse_name_addr(value: &str) -> Option<CallerId> {
    let value = value.trim();
    let (display, uri) = match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let display = value[..open].trim().trim_matches('"').trim();
            (
                (!display.is_empty()).then(|| display.to_string()),
                &value[open + 1..close],
            )
        }
        // Without brackets, parameters after ';' belong to the header, not the URI.
        _ => (None, value.split(';').next().unwrap_or(value)),
    };
    let uri = uri.trim();
    let user = if let Some(tel) = strip_prefix_ignore_case(uri, "tel:") {
        tel.split(';').next().unwrap_or(tel).to_string()
    } else {
        let parsed: Uri = uri.parse().ok()?;
        parsed.user()?.to_string()
    };
    Some(CallerId {
        number: phone_number(&user),
        display_name: display,
        uri: uri.to_string(),
    })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The user part as a phone number: RFC 3966 visual separators removed, at least three digits, nothing
/// else. `anonymous`, names and extensions with letters are not numbers.
fn phone_number(user: &str) -> Option<String> {
    let mut number = String::new();
    for (i, c) in user.chars().enumerate() {
        match c {
            '0'..='9' => number.push(c),
            '+' if i == 0 => number.push(c),
            '-' | '.' | '(' | ')' | ' ' => {}
            _ => return None,
        }
    }
    (number.chars().filter(char::is_ascii_digit).count() >= 3).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asserted_identity_wins_over_from() {
        let id = CallerId::from_headers(
            &["\"Alice Smith\" <sip:+14155550100@trunk.example.com;user=phone>"],
            "<sip:alice@10.0.0.5>;tag=abc",
        )
        .unwrap();
        assert_eq!(id.number.as_deref(), Some("+14155550100"));
        assert_eq!(id.display_name.as_deref(), Some("Alice Smith"));
    }

    #[test]
    fn from_is_used_without_asserted_identity() {
        let id =
            CallerId::from_headers(&[], "\"Bob\" <sip:0044-20-7946-0018@127.0.0.1:5062>;tag=x")
                .unwrap();
        assert_eq!(id.number.as_deref(), Some("00442079460018"));
        let bare = CallerId::from_headers(&[], "sip:13800138000@10.1.1.1;tag=9").unwrap();
        assert_eq!(bare.number.as_deref(), Some("13800138000"));
    }

    #[test]
    fn tel_uris_and_several_values() {
        let id = CallerId::from_headers(
            &["<sip:+8613800138000@ims.example.cn>, <tel:+86-138-0013-8000>"],
            "<sip:x@y>",
        )
        .unwrap();
        assert_eq!(id.number.as_deref(), Some("+8613800138000"));
        let tel = CallerId::from_headers(&["<tel:+1-415-555-0100;phone-context=example.com>"], "")
            .unwrap();
        assert_eq!(tel.number.as_deref(), Some("+14155550100"));
    }

    #[test]
    fn anonymous_and_named_callers_have_no_number() {
        let anon =
            CallerId::from_headers(&[], "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=1")
                .unwrap();
        assert_eq!(anon.number, None);
        assert_eq!(anon.display_name.as_deref(), Some("Anonymous"));
        let named = CallerId::from_headers(&[], "<sip:sipp@127.0.0.1:5061>;tag=1").unwrap();
        assert_eq!(named.number, None);
        assert_eq!(named.uri, "sip:sipp@127.0.0.1:5061");
        assert_eq!(CallerId::from_headers(&["not a uri at all"], "<>"), None);
        assert_eq!(phone_number("12"), None);
        assert_eq!(phone_number("1+2345"), None);
    }
}
