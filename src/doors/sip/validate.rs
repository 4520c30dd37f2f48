//! Malformed requests: what rsipstack parses but cannot (or should not) process gets `400 Bad Request` here,
//! before it reaches the transaction layer, so a bad message never touches another call.
//!
//! rsipstack's transports already drop datagrams that do not parse as SIP at all (nothing to answer: RFC
//! 3261 §18.3 says to discard them); requests with a broken mandatory header otherwise only produce a
//! warning inside rsipstack and no answer. This check answers them.

use async_trait::async_trait;
use rsipstack::sip::headers::ToTypedHeader;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Request, Response, SipMessage, StatusCode};
use rsipstack::transaction::endpoint::TransportEventInspector;
use rsipstack::transport::TransportEvent;

/// What to do with a parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Answer `400 Bad Request` with this reason phrase.
    BadRequest(String),
    /// Drop silently: a broken ACK (never answered) or no usable Via to answer to.
    Drop(String),
}

/// Checks the headers every request needs (RFC 3261 §8.1.1) and the framing of its body.
pub fn check(req: &Request) -> Verdict {
    let via_ok = req.top_via_header().and_then(|v| v.typed()).is_ok();
    if !via_ok {
        return Verdict::Drop("no valid Via header".into());
    }
    let problem = problem(req);
    match problem {
        None => Verdict::Ok,
        Some(why) if req.method == Method::Ack => Verdict::Drop(why),
        Some(why) => Verdict::BadRequest(why),
    }
}

fn problem(req: &Request) -> Option<String> {
    match req.from_header() {
        Err(_) => return Some("Missing From header".into()),
        Ok(from) => match from.tag() {
            Ok(Some(_)) => {}
            _ => return Some("From header without tag".into()),
        },
    }
    if req.to_header().and_then(|to| to.uri()).is_err() {
        return Some("Missing or invalid To header".into());
    }
    match req.call_id_header() {
        Ok(id) if !id.value().trim().is_empty() => {}
        _ => return Some("Missing Call-ID header".into()),
    }
    let cseq = match req.cseq_header() {
        Ok(c) => c,
        Err(_) => return Some("Missing CSeq header".into()),
    };
    match (cseq.seq(), cseq.method()) {
        (Ok(_), Ok(method)) if method == req.method => {}
        (Ok(_), Ok(_)) => return Some("CSeq method does not match the request".into()),
        _ => return Some("Invalid CSeq header".into()),
    }
    if let Some(max_forwards) = req.header_value("Max-Forwards")
        && max_forwards.parse::<u8>().is_err()
    {
        return Some("Invalid Max-Forwards header".into());
    }
    if let Some(length) = req.header_value("Content-Length") {
        match length.parse::<usize>() {
            // A shorter body means the datagram was cut (RFC 3261 §18.3).
            Ok(n) if n == req.body.len() => {}
            Ok(_) => return Some("Content-Length does not match the body".into()),
            Err(_) => return Some("Invalid Content-Length header".into()),
        }
    }
    if req.method == Method::Invite && req.contact_header().is_err() {
        return Some("INVITE without Contact header".into());
    }
    None
}

/// The `400 Bad Request` for `req`, built from the headers it has, with the problem in a `Warning`.
pub fn bad_request(req: &Request, reason: &str, user_agent: &str) -> Response {
    let mut headers: Vec<Header> = req
        .headers
        .iter()
        .filter(|h| {
            matches!(
                h,
                Header::Via(_)
                    | Header::CallId(_)
                    | Header::From(_)
                    | Header::To(_)
                    | Header::CSeq(_)
            )
        })
        .map(|h| match h {
            // Every final response needs a To tag (RFC 3261 §8.2.6.2).
            Header::To(to) if matches!(to.tag(), Ok(None)) => {
                Header::To(to.with_tag(rsipstack::transaction::make_tag()))
            }
            other => other.clone(),
        })
        .collect();
    // rsipstack writes the standard reason phrase; the specific problem goes in a Warning (RFC 3261 §20.43).
    headers.push(Header::Warning(
        format!("399 kefu \"{}\"", reason.replace('"', "'")).into(),
    ));
    headers.push(Header::Server(user_agent.into()));
    headers.push(Header::ContentLength(0u32.into()));
    Response {
        status_code: StatusCode::BadRequest,
        wire_reason: None,
        version: req.version,
        headers: headers.into(),
        body: Vec::new(),
    }
}

/// rsipstack hook answering malformed requests with 400 before the transaction layer sees them.
pub struct RequestValidator {
    pub user_agent: String,
}

#[async_trait]
impl TransportEventInspector for RequestValidator {
    async fn handle(&self, event: TransportEvent) -> Option<TransportEvent> {
        let TransportEvent::Incoming(SipMessage::Request(req), connection, from) = &event else {
            return Some(event);
        };
        match check(req) {
            Verdict::Ok => Some(event),
            Verdict::Drop(why) => {
                tracing::info!(%from, method = %req.method, why, "dropped a malformed SIP request");
                None
            }
            Verdict::BadRequest(why) => {
                tracing::info!(%from, method = %req.method, why, "400 to a malformed SIP request");
                let response = bad_request(req, &why, &self.user_agent);
                if let Err(e) = connection.send(response.into(), Some(from)).await {
                    tracing::warn!(%from, error = %e, "could not send 400");
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(extra: &str, skip: &str) -> Request {
        let headers = [
            "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1",
            "From: <sip:a@127.0.0.1>;tag=1",
            "To: <sip:kefu@127.0.0.1>",
            "Call-ID: abc@127.0.0.1",
            "CSeq: 1 INVITE",
            "Contact: <sip:a@127.0.0.1:5061>",
            "Max-Forwards: 70",
        ];
        let mut text = String::from("INVITE sip:kefu@127.0.0.1 SIP/2.0\r\n");
        for h in headers
            .iter()
            .filter(|h| skip.is_empty() || !h.starts_with(skip))
        {
            text.push_str(h);
            text.push_str("\r\n");
        }
        text.push_str(extra);
        if !extra.contains("Content-Length") {
            text.push_str("Content-Length: 0\r\n");
        }
        text.push_str("\r\n");
        match SipMessage::try_from(text.as_str()).unwrap() {
            SipMessage::Request(r) => r,
            SipMessage::Response(_) => unreachable!("a request was written"),
        }
    }

    #[test]
    fn a_good_request_passes() {
        assert_eq!(check(&request("", "")), Verdict::Ok);
    }

    #[test]
    fn broken_mandatory_headers_get_400() {
        let cases = [
            (request("", "From"), "From"),
            (request("From: <sip:a@127.0.0.1>\r\n", "From"), "tag"),
            (request("", "Call-ID"), "Call-ID"),
            (request("", "CSeq"), "CSeq"),
            (request("CSeq: one INVITE\r\n", "CSeq"), "CSeq"),
            (request("CSeq: 1 BYE\r\n", "CSeq"), "CSeq method"),
            (
                request("Max-Forwards: lots\r\n", "Max-Forwards"),
                "Max-Forwards",
            ),
            (request("", "Contact"), "Contact"),
            (request("Content-Length: 200\r\n", ""), "Content-Length"),
        ];
        for (req, expect) in cases {
            match check(&req) {
                Verdict::BadRequest(why) => assert!(why.contains(expect), "{why} vs {expect}"),
                other => panic!("expected 400 mentioning {expect}, got {other:?}"),
            }
        }
    }

    #[test]
    fn no_via_is_dropped() {
        assert!(matches!(check(&request("", "Via")), Verdict::Drop(_)));
    }

    #[test]
    fn the_400_echoes_the_transaction_headers() {
        let req = request("", "Contact");
        let resp = bad_request(&req, "INVITE without Contact header", "kefu");
        let text = resp.to_string();
        assert!(text.starts_with("SIP/2.0 400 Bad Request\r\n"), "{text}");
        assert!(
            text.contains("Warning: 399 kefu \"INVITE without Contact header\""),
            "{text}"
        );
        assert!(text.contains("To: <sip:kefu@127.0.0.1>;tag="), "{text}");
        for h in ["Via:", "Call-ID: abc@127.0.0.1", "CSeq: 1 INVITE", "From:"] {
            assert!(text.contains(h), "{h} missing from {text}");
        }
    }
}
