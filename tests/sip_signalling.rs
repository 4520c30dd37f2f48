//! The phone line's SIP behaviour against a real `kefu serve`, driven by sipp scenarios from `sip/` and by
//! hand-written datagrams where a test needs every byte: OPTIONS, malformed requests, 488, CANCEL, BYE both
//! ways, re-INVITE hold, offerless INVITE, RTP timeout, 503 when full, UDP reliability, graceful shutdown.

mod sip_support;

use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use sip_support::{Kefu, options, sipp, speech_wav, ulaw};

/// A working directory with `caller.ulaw` (a short English sentence) for sipp's `rtp_stream`.
fn caller_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wav = speech_wav(
        dir.path(),
        "caller",
        "Hello, I have a question about my order.",
        0.5,
        1.0,
    );
    ulaw(&wav, &dir.path().join("caller.ulaw"));
    dir
}

/// A raw UDP SIP client for the cases sipp cannot write.
struct RawClient {
    socket: UdpSocket,
    target: SocketAddr,
}

impl RawClient {
    fn new(target: SocketAddr) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        Self { socket, target }
    }

    fn local(&self) -> SocketAddr {
        self.socket.local_addr().unwrap()
    }

    fn send(&self, text: &str) {
        self.socket.send_to(text.as_bytes(), self.target).unwrap();
    }

    /// Every datagram received within `window`.
    fn receive_for(&self, window: Duration) -> Vec<String> {
        let end = Instant::now() + window;
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        while Instant::now() < end {
            if let Ok((len, _)) = self.socket.recv_from(&mut buf) {
                got.push(String::from_utf8_lossy(&buf[..len]).to_string());
            }
        }
        got
    }

    /// An INVITE with a PCMU offer.
    fn invite(&self, call_id: &str, branch: &str, extra: &str) -> String {
        let local = self.local();
        let sdp = format!(
            "v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {} RTP/AVP 0\r\n",
            local.port() + 2
        );
        format!(
            "INVITE sip:kefu@{target} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={branch}\r\n\
             From: <sip:+14155550100@{local}>;tag=raw{branch}\r\nTo: <sip:kefu@{target}>\r\n\
             Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:raw@{local}>\r\nMax-Forwards: 70\r\n{extra}\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len(),
            target = self.target,
        )
    }
}

fn status_line(response: &str) -> &str {
    response.lines().next().unwrap_or("")
}

#[test]
fn options_malformed_requests_and_garbage_leave_the_server_serving() {
    let kefu = Kefu::start("");
    let dir = caller_dir();

    let reply = options(kefu.sip, Duration::from_secs(2)).expect("OPTIONS answered");
    assert!(reply.starts_with("SIP/2.0 200"), "{reply}");
    assert!(
        reply.contains("INVITE") && reply.contains("INFO"),
        "Allow lists our methods: {reply}"
    );

    // Not SIP at all: dropped without an answer (nothing to answer to).
    let raw = RawClient::new(kefu.sip);
    for junk in [
        "\u{0}\u{1}\u{2}garbage",
        "HELLO WORLD\r\n\r\n",
        "INVITE\r\n\r\n",
    ] {
        raw.send(junk);
    }
    assert!(raw.receive_for(Duration::from_millis(500)).is_empty());
    // Parseable but broken: a CSeq whose method is not the request's gets 400 with the reason.
    let bad = raw
        .invite("bad-cseq@test", "z9hG4bK-badcseq", "")
        .replace("CSeq: 1 INVITE", "CSeq: 1 BYE");
    raw.send(&bad);
    let answers = raw.receive_for(Duration::from_millis(800));
    assert!(
        answers
            .iter()
            .any(|a| status_line(a).starts_with("SIP/2.0 400") && a.contains("CSeq method")),
        "{answers:?}"
    );

    // Garbage on a TCP connection does not take the listener down.
    if let Ok(mut stream) = TcpStream::connect(kefu.sip) {
        let _ = stream.write_all(b"\x16\x03\x01 not sip over tcp\r\n\r\n");
    }

    let run = sipp(dir.path(), "malformed.xml", kefu.sip, &["-m", "1"]);
    run.assert_success(
        "malformed INVITEs get 400, then OPTIONS still gets 200",
        &kefu,
    );
    let run = sipp(
        dir.path(),
        "options.xml",
        kefu.sip,
        &["-m", "1", "-t", "t1"],
    );
    run.assert_success("OPTIONS over TCP after the garbage", &kefu);
    let log = kefu.log();
    assert!(log.contains("400 to a malformed SIP request"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn offers_without_a_common_codec_get_488_and_required_extensions_420() {
    let kefu = Kefu::start("codecs = [\"PCMU\", \"PCMA\"]");
    let dir = caller_dir();
    sipp(dir.path(), "no_common_codec.xml", kefu.sip, &["-m", "1"])
        .assert_success("G.729-only offer → 488", &kefu);
    // Our preference list limits what we accept: a PCMU-only kefu refuses a PCMA-only caller.
    drop(kefu);
    let kefu = Kefu::start("codecs = [\"PCMA\"]");
    let raw = RawClient::new(kefu.sip);
    raw.send(&raw.invite("pcmu-only@test", "z9hG4bK-pcmu", ""));
    let answers = raw.receive_for(Duration::from_millis(1500));
    assert!(
        answers
            .iter()
            .any(|a| status_line(a).starts_with("SIP/2.0 488")),
        "{answers:?}"
    );
    // An extension we do not implement, required by the caller: 420 naming it.
    raw.send(&raw.invite("require@test", "z9hG4bK-require", "Require: 100rel\r\n"));
    let answers = raw.receive_for(Duration::from_millis(1500));
    assert!(
        answers
            .iter()
            .any(|a| status_line(a).starts_with("SIP/2.0 420") && a.contains("Unsupported: 100rel")),
        "{answers:?}"
    );
}

#[test]
fn cancel_before_the_answer_ends_the_call_cleanly() {
    let kefu = Kefu::start("ring_ms = 4000");
    let dir = caller_dir();
    sipp(dir.path(), "cancel.xml", kefu.sip, &["-m", "1"])
        .assert_success("CANCEL while ringing → 200, 487, ACK", &kefu);
    // The server still takes calls afterwards.
    assert!(
        options(kefu.sip, Duration::from_secs(2)).is_some_and(|r| r.starts_with("SIP/2.0 200"))
    );
    let log = kefu.log();
    assert!(log.contains("caller gave up before the answer"), "{log}");
}

#[test]
fn bye_from_either_side_hold_and_offerless_calls() {
    let kefu = Kefu::start("rtp_timeout_secs = 3");
    let dir = caller_dir();
    sipp(dir.path(), "call.xml", kefu.sip, &["-m", "1", "-d", "3000"])
        .assert_success("caller hangs up with BYE", &kefu);
    sipp(
        dir.path(),
        "call.xml",
        kefu.sip,
        &["-m", "1", "-d", "3000", "-t", "t1"],
    )
    .assert_success("the same over TCP", &kefu);
    sipp(dir.path(), "reinvite_hold.xml", kefu.sip, &["-m", "1"])
        .assert_success("re-INVITE hold (recvonly) and resume (sendrecv)", &kefu);
    sipp(dir.path(), "offerless.xml", kefu.sip, &["-m", "1"])
        .assert_success("offer in the 200, answer in the ACK", &kefu);
    // kefu hangs up itself when the caller's RTP stops: BYE from our side.
    sipp(dir.path(), "rtp_timeout.xml", kefu.sip, &["-m", "1"])
        .assert_success("kefu sends BYE after the RTP timeout", &kefu);
    let logs = kefu.call_logs(5, Duration::from_secs(10));
    assert_eq!(logs.len(), 5);
    let log = kefu.log();
    assert!(
        log.contains("direction=RecvOnly") && log.contains("direction=SendRecv"),
        "{log}"
    );
    assert!(log.contains("no RTP from the caller: hanging up"), "{log}");
    assert_eq!(log.matches("reason=RtpTimeout").count(), 1, "{log}");
    assert!(log.matches("reason=CallerHungUp").count() >= 4, "{log}");
}

#[test]
fn a_full_server_answers_503_with_retry_after() {
    let kefu = Kefu::start("max_calls = 1\nretry_after_secs = 7");
    let dir = caller_dir();
    let target = kefu.sip;
    let path = dir.path().to_path_buf();
    // One call holds the only place for about 6 s.
    let first =
        std::thread::spawn(move || sipp(&path, "call.xml", target, &["-m", "1", "-d", "6000"]));
    let raw = RawClient::new(kefu.sip);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut busy = None;
    while busy.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        let branch = format!("z9hG4bK-busy{}", Instant::now().elapsed().as_nanos());
        raw.send(&raw.invite("second@test", &branch, ""));
        busy = raw
            .receive_for(Duration::from_millis(500))
            .into_iter()
            .find(|a| status_line(a).starts_with("SIP/2.0 503"));
    }
    let busy = busy.unwrap_or_else(|| panic!("no 503 while the only call was up:\n{}", kefu.log()));
    assert!(busy.contains("Retry-After: 7"), "{busy}");
    first
        .join()
        .unwrap()
        .assert_success("the call that held the place", &kefu);
    // The place is free again.
    let dir2 = caller_dir();
    sipp(
        dir2.path(),
        "call.xml",
        kefu.sip,
        &["-m", "1", "-d", "1000"],
    )
    .assert_success("a call after the first ended", &kefu);
}

#[test]
fn udp_reliability_retransmits_the_200_until_ack_and_absorbs_retransmitted_invites() {
    let kefu = Kefu::start("");
    let raw = RawClient::new(kefu.sip);
    let invite = raw.invite("reliable@test", "z9hG4bK-reliable", "");
    raw.send(&invite);
    std::thread::sleep(Duration::from_millis(100));
    raw.send(&invite); // a retransmission: must not start a second call
    // Without our ACK the 200 comes again (T1 = 0.5 s, then 1 s, 2 s…).
    let answers = raw.receive_for(Duration::from_millis(3200));
    let oks: Vec<&String> = answers
        .iter()
        .filter(|a| status_line(a).starts_with("SIP/2.0 200"))
        .collect();
    assert!(
        oks.len() >= 3,
        "200 OK retransmitted until ACK: {answers:#?}"
    );
    let to = oks[0]
        .lines()
        .find(|l| l.starts_with("To:"))
        .unwrap()
        .to_string();
    let local = raw.local();
    raw.send(&format!(
        "ACK sip:kefu@{target} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-reliable-ack\r\n\
         From: <sip:+14155550100@{local}>;tag=rawz9hG4bK-reliable\r\n{to}\r\nCall-ID: reliable@test\r\n\
         CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        target = kefu.sip
    ));
    let after_ack = raw.receive_for(Duration::from_millis(2500));
    assert!(
        !after_ack
            .iter()
            .any(|a| status_line(a).starts_with("SIP/2.0 200")),
        "no 200 after the ACK: {after_ack:#?}"
    );
    let log = kefu.log();
    assert_eq!(
        log.matches("call answered").count(),
        1,
        "one call for two INVITEs:\n{log}"
    );
}

#[test]
fn graceful_shutdown_ends_running_calls_with_bye() {
    let kefu = Kefu::start("shutdown_grace_secs = 1\nrtp_timeout_secs = 60");
    let dir = caller_dir();
    let target = kefu.sip;
    let path = dir.path().to_path_buf();
    // This caller never hangs up: it waits for kefu's BYE.
    let caller =
        std::thread::spawn(move || sipp(&path, "hangup_by_kefu.xml", target, &["-m", "1"]));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !kefu.log().contains("call answered") {
        assert!(
            Instant::now() < deadline,
            "the call was not answered:\n{}",
            kefu.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    let (status, log) = kefu.stop();
    let run = caller.join().unwrap();
    assert!(
        run.status.success(),
        "the caller got a BYE: {}\n{log}",
        run.report
    );
    assert!(
        status.success(),
        "kefu exits cleanly on SIGTERM ({status}):\n{log}"
    );
    assert!(log.contains("reason=Shutdown"), "{log}");
    assert!(log.contains("SIP door stopped"), "{log}");
}
