//! A blind transfer of the caller (RFC 3515 REFER), sans IO: what the answer to our REFER and the caller's
//! NOTIFY progress reports (`message/sipfrag`) mean for the transfer. The call task sends the REFER, feeds
//! the answers in and acts on the [`TransferOutcome`].

use std::time::{Duration, Instant};

/// How a transfer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferOutcome {
    /// The transfer target answered: our leg is no longer needed.
    Transferred,
    /// The caller stays with us; why, for the log.
    Failed(String),
}

/// One transfer in progress.
#[derive(Debug, Clone)]
pub struct Transfer {
    target: String,
    deadline: Instant,
    accepted: bool,
    /// The last provisional status the caller reported (for the failure message on timeout).
    progress: Option<u16>,
}

impl Transfer {
    /// A transfer to `target` started at `now`; it fails if no final report arrives within `timeout`.
    pub fn new(target: &str, now: Instant, timeout: Duration) -> Self {
        Self {
            target: target.to_string(),
            deadline: now + timeout,
            accepted: false,
            progress: None,
        }
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    /// The final status of our REFER (`None`: no answer at all).
    pub fn on_refer_answer(&mut self, status: Option<u16>) -> Option<TransferOutcome> {
        match status {
            Some(200..=299) => {
                self.accepted = true;
                None
            }
            Some(status) => Some(TransferOutcome::Failed(format!(
                "the caller's phone refused the REFER ({status})"
            ))),
            None => Some(TransferOutcome::Failed(
                "the caller's phone did not answer the REFER".into(),
            )),
        }
    }

    /// A NOTIFY of the refer subscription: `subscription_state` is its `Subscription-State` header value,
    /// `body` its `message/sipfrag` body.
    pub fn on_notify(&mut self, subscription_state: &str, body: &str) -> Option<TransferOutcome> {
        match sipfrag_status(body) {
            Some(status @ 100..=199) => {
                self.progress = Some(status);
                self.ended_without_final(subscription_state)
            }
            Some(200..=299) => Some(TransferOutcome::Transferred),
            Some(_) => Some(TransferOutcome::Failed(format!(
                "the transfer target answered {}",
                status_line(body)
            ))),
            None => self.ended_without_final(subscription_state),
        }
    }

    fn ended_without_final(&self, subscription_state: &str) -> Option<TransferOutcome> {
        let state = subscription_state.split(';').next().unwrap_or("").trim();
        state.eq_ignore_ascii_case("terminated").then(|| {
            TransferOutcome::Failed("the refer subscription ended without a final answer".into())
        })
    }

    /// The failure when no final report has come by `now`.
    pub fn timed_out(&self, now: Instant) -> Option<TransferOutcome> {
        (now >= self.deadline).then(|| {
            let what = match (self.accepted, self.progress) {
                (false, _) => "no answer to the REFER".to_string(),
                (true, None) => "no progress report after the REFER was accepted".to_string(),
                (true, Some(status)) => format!("no final answer (last progress {status})"),
            };
            TransferOutcome::Failed(format!("transfer timed out: {what}"))
        })
    }
}

/// The status code of a `message/sipfrag` body's status line (`SIP/2.0 180 Ringing`).
pub fn sipfrag_status(body: &str) -> Option<u16> {
    let mut words = status_line(body).split_whitespace();
    let version = words.next()?;
    if !version.to_ascii_uppercase().starts_with("SIP/") {
        return None;
    }
    words
        .next()?
        .parse()
        .ok()
        .filter(|s| (100..700).contains(s))
}

fn status_line(body: &str) -> &str {
    body.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sipfrag_status_lines() {
        assert_eq!(sipfrag_status("SIP/2.0 100 Trying\r\n"), Some(100));
        assert_eq!(sipfrag_status("\r\nSIP/2.0 200 OK"), Some(200));
        assert_eq!(sipfrag_status("sip/2.0 503 Service Unavailable"), Some(503));
        assert_eq!(sipfrag_status("INVITE sip:x SIP/2.0"), None);
        assert_eq!(sipfrag_status("SIP/2.0 99 Odd"), None);
        assert_eq!(sipfrag_status(""), None);
    }

    #[test]
    fn progress_then_success() {
        let now = Instant::now();
        let mut t = Transfer::new("sip:desk@pbx", now, Duration::from_secs(30));
        assert_eq!(t.on_refer_answer(Some(202)), None);
        assert_eq!(t.on_notify("active;expires=60", "SIP/2.0 100 Trying"), None);
        assert_eq!(t.on_notify("active", "SIP/2.0 180 Ringing"), None);
        assert_eq!(
            t.on_notify("terminated;reason=noresource", "SIP/2.0 200 OK"),
            Some(TransferOutcome::Transferred)
        );
    }

    #[test]
    fn failures_name_their_cause() {
        let now = Instant::now();
        let mut t = Transfer::new("sip:desk@pbx", now, Duration::from_secs(30));
        let Some(TransferOutcome::Failed(why)) = t.on_refer_answer(Some(603)) else {
            panic!("a declined REFER fails")
        };
        assert!(why.contains("603"), "{why}");
        assert!(matches!(
            t.on_refer_answer(None),
            Some(TransferOutcome::Failed(_))
        ));

        let mut t = Transfer::new("sip:desk@pbx", now, Duration::from_secs(30));
        t.on_refer_answer(Some(202));
        let Some(TransferOutcome::Failed(why)) =
            t.on_notify("terminated", "SIP/2.0 503 Service Unavailable\r\n")
        else {
            panic!("a 503 from the target fails")
        };
        assert!(why.contains("503 Service Unavailable"), "{why}");

        let mut t = Transfer::new("sip:desk@pbx", now, Duration::from_secs(30));
        t.on_refer_answer(Some(202));
        assert_eq!(t.on_notify("active", "SIP/2.0 180 Ringing"), None);
        assert!(matches!(
            t.on_notify("terminated;reason=timeout", "SIP/2.0 180 Ringing"),
            Some(TransferOutcome::Failed(_))
        ));
    }

    #[test]
    fn a_transfer_without_a_final_answer_times_out() {
        let now = Instant::now();
        let mut t = Transfer::new("sip:desk@pbx", now, Duration::from_secs(30));
        t.on_refer_answer(Some(202));
        t.on_notify("active", "SIP/2.0 180 Ringing");
        assert_eq!(t.timed_out(now + Duration::from_secs(29)), None);
        let Some(TransferOutcome::Failed(why)) = t.timed_out(now + Duration::from_secs(30)) else {
            panic!("times out")
        };
        assert!(why.contains("180"), "{why}");
    }
}
