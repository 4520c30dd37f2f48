//! The registrar for agents' SIP desk phones: REGISTER with HTTP digest authentication (RFC 3261 §22,
//! RFC 2617 / RFC 7616 MD5, `qop=auth` or none), contact bindings with expiry kept in memory, and the lookup
//! the agent leg uses to reach a registered phone. Sans IO: the server passes requests in and sends the
//! [`RegisterReply`] back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use super::config::SipAgentsConfig;

/// How long a challenge's nonce may be answered.
const NONCE_LIFETIME: Duration = Duration::from_secs(300);
/// Outstanding nonces kept at most (a flood of unauthenticated REGISTERs cannot grow memory).
const MAX_NONCES: usize = 1024;

/// What to answer a REGISTER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterReply {
    /// 401 with `WWW-Authenticate` (the header's value).
    Challenge(String),
    /// 200: the bindings now held for the user, as `Contact` values with their remaining `expires`.
    Registered(Vec<String>),
    /// 403: known realm, wrong credentials or an account not allowed to register.
    Forbidden(String),
    /// 400: a REGISTER we cannot read.
    BadRequest(String),
}

/// What the server read from a REGISTER.
#[derive(Debug, Clone, Default)]
pub struct RegisterRequest {
    /// The user part of the To URI (the account registering).
    pub user: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The Contact URIs (without `<>`), `*` for "remove all".
    pub contacts: Vec<String>,
    /// The lifetime asked for (the Contact's `expires` parameter, else the `Expires` header).
    pub expires: Option<u32>,
}

#[derive(Debug, Clone)]
struct Binding {
    contact: String,
    until: Instant,
}

/// Agents' accounts (digest HA1 per user), nonces and bindings.
#[derive(Debug)]
pub struct Registrar {
    realm: String,
    max_expires: u32,
    /// user → HA1 = MD5(user:realm:password), lower-case hex.
    accounts: HashMap<String, String>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    nonces: HashMap<String, Instant>,
    bindings: HashMap<String, Binding>,
}

/// MD5 of `text` as lower-case hex.
pub fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

/// The digest HA1 of an account: MD5(`user:realm:password`).
pub fn ha1(user: &str, realm: &str, password: &str) -> String {
    md5_hex(&format!("{user}:{realm}:{password}"))
}

impl Registrar {
    /// A registrar for the `[sip.agents]` accounts.
    pub fn new(config: &SipAgentsConfig) -> Self {
        let accounts = config
            .accounts
            .iter()
            .map(|a| {
                let ha1 = match (&a.ha1, &a.password) {
                    (Some(h), _) => h.to_ascii_lowercase(),
                    (None, Some(p)) => ha1(&a.user, &config.realm, p),
                    // Refused by the config check; an account without a secret can never register.
                    (None, None) => String::new(),
                };
                (a.user.clone(), ha1)
            })
            .collect();
        Self {
            realm: config.realm.clone(),
            max_expires: config.max_expires_secs,
            accounts,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state holds plain maps: a panic elsewhere cannot leave them half-updated.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Handles one REGISTER at `now`.
    pub fn register(&self, request: &RegisterRequest, now: Instant) -> RegisterReply {
        let Some(ha1) = self.accounts.get(&request.user).filter(|h| !h.is_empty()) else {
            return RegisterReply::Forbidden(format!("no SIP agent account {:?}", request.user));
        };
        let Some(authorization) = &request.authorization else {
            return self.challenge(now, false);
        };
        let Some(fields) = parse_digest(authorization) else {
            return RegisterReply::BadRequest("unreadable Authorization header".into());
        };
        let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
        if field("username") != request.user || field("realm") != self.realm {
            return RegisterReply::Forbidden("credentials for another user or realm".into());
        }
        let algorithm = field("algorithm");
        if !algorithm.is_empty() && !algorithm.eq_ignore_ascii_case("MD5") {
            return self.challenge(now, false);
        }
        let nonce = field("nonce");
        let fresh = {
            let mut state = self.state();
            state
                .nonces
                .retain(|_, issued| now.saturating_duration_since(*issued) < NONCE_LIFETIME);
            state.nonces.contains_key(nonce)
        };
        if !fresh {
            return self.challenge(now, true);
        }
        let ha2 = md5_hex(&format!("REGISTER:{}", field("uri")));
        let expected = match field("qop") {
            "" => md5_hex(&format!("{ha1}:{nonce}:{ha2}")),
            "auth" => md5_hex(&format!(
                "{ha1}:{nonce}:{}:{}:auth:{ha2}",
                field("nc"),
                field("cnonce")
            )),
            other => return RegisterReply::BadRequest(format!("unsupported qop {other:?}")),
        };
        if !field("response").eq_ignore_ascii_case(&expected) {
            return RegisterReply::Forbidden("wrong password".into());
        }
        self.bind(request, now)
    }

    fn challenge(&self, now: Instant, stale: bool) -> RegisterReply {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let mut state = self.state();
        if state.nonces.len() >= MAX_NONCES {
            state
                .nonces
                .retain(|_, issued| now.saturating_duration_since(*issued) < NONCE_LIFETIME);
            if state.nonces.len() >= MAX_NONCES {
                state.nonces.clear();
            }
        }
        state.nonces.insert(nonce.clone(), now);
        let stale = if stale { ", stale=true" } else { "" };
        RegisterReply::Challenge(format!(
            "Digest realm=\"{}\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\"{stale}",
            self.realm
        ))
    }

    /// Applies an authenticated REGISTER: one binding per agent (the latest phone wins).
    fn bind(&self, request: &RegisterRequest, now: Instant) -> RegisterReply {
        let mut state = self.state();
        let expires = request
            .expires
            .unwrap_or(self.max_expires)
            .min(self.max_expires);
        match request.contacts.first() {
            Some(contact) if contact == "*" || expires == 0 => {
                state.bindings.remove(&request.user);
                tracing::info!(user = request.user, "SIP agent unregistered");
            }
            Some(contact) => {
                let until = now + Duration::from_secs(u64::from(expires));
                tracing::info!(
                    user = request.user,
                    contact,
                    expires,
                    "SIP agent registered"
                );
                state.bindings.insert(
                    request.user.clone(),
                    Binding {
                        contact: contact.clone(),
                        until,
                    },
                );
            }
            // A REGISTER without Contact only asks for the current bindings.
            None => {}
        }
        let current = state
            .bindings
            .get(&request.user)
            .filter(|b| b.until > now)
            .map(|b| {
                let left = b.until.saturating_duration_since(now).as_secs();
                vec![format!("<{}>;expires={left}", b.contact)]
            })
            .unwrap_or_default();
        RegisterReply::Registered(current)
    }

    /// Until when `user`'s phone is registered, if it is now. Each refresh moves it on.
    pub fn registered_until(&self, user: &str) -> Option<Instant> {
        let now = Instant::now();
        self.state()
            .bindings
            .get(user)
            .map(|b| b.until)
            .filter(|until| *until > now)
    }

    /// The contact a registered agent's phone can be reached at, while its binding lasts.
    pub fn contact_for(&self, user: &str) -> Option<String> {
        let now = Instant::now();
        self.state()
            .bindings
            .get(user)
            .filter(|b| b.until > now)
            .map(|b| b.contact.clone())
    }
}

/// The `name=value` pairs of a `Digest …` credentials header (values unquoted).
fn parse_digest(header: &str) -> Option<HashMap<String, String>> {
    let rest = header.trim();
    let (scheme, params) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("Digest") {
        return None;
    }
    let mut fields = HashMap::new();
    let mut chars = params.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let name: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if name.is_empty() {
            break;
        }
        let value = if chars.peek() == Some(&'"') {
            chars.next();
            let mut value = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
            value
        } else {
            chars
                .by_ref()
                .take_while(|c| *c != ',')
                .collect::<String>()
                .trim()
                .to_string()
        };
        fields.insert(name, value);
    }
    (!fields.is_empty()).then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doors::sip::config::SipAccount;

    fn registrar() -> Registrar {
        Registrar::new(&SipAgentsConfig {
            realm: "kefu".into(),
            accounts: vec![SipAccount {
                user: "alice".into(),
                password: Some("secret".into()),
                ha1: None,
                languages: vec![crate::lang::Lang::En],
                departments: Vec::new(),
            }],
            ..SipAgentsConfig::default()
        })
    }

    fn nonce_of(reply: &RegisterReply) -> String {
        let RegisterReply::Challenge(header) = reply else {
            panic!("expected a challenge, got {reply:?}")
        };
        parse_digest(header).unwrap()["nonce"].clone()
    }

    fn answer(nonce: &str, password: &str) -> String {
        let ha1 = ha1("alice", "kefu", password);
        let ha2 = md5_hex("REGISTER:sip:127.0.0.1");
        let response = md5_hex(&format!("{ha1}:{nonce}:00000001:abc:auth:{ha2}"));
        format!(
            "Digest username=\"alice\", realm=\"kefu\", nonce=\"{nonce}\", uri=\"sip:127.0.0.1\", \
             response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"abc\""
        )
    }

    fn request(authorization: Option<String>) -> RegisterRequest {
        RegisterRequest {
            user: "alice".into(),
            authorization,
            contacts: vec!["sip:alice@127.0.0.1:5080".into()],
            expires: Some(60),
        }
    }

    #[test]
    fn rfc2617_example_response() {
        // RFC 2617 §3.5 (the HA2 there is for GET /dir/index.html).
        let ha1 = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        let ha2 = md5_hex("GET:/dir/index.html");
        let response = md5_hex(&format!(
            "{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"
        ));
        assert_eq!(response, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn challenge_then_register_then_lookup() {
        let r = registrar();
        let now = Instant::now();
        let challenge = r.register(&request(None), now);
        let nonce = nonce_of(&challenge);
        assert_eq!(r.contact_for("alice"), None);
        let reply = r.register(&request(Some(answer(&nonce, "secret"))), now);
        assert_eq!(
            reply,
            RegisterReply::Registered(vec!["<sip:alice@127.0.0.1:5080>;expires=60".into()])
        );
        assert_eq!(
            r.contact_for("alice").as_deref(),
            Some("sip:alice@127.0.0.1:5080")
        );
        // Expires 0 removes the binding.
        let mut gone = request(Some(answer(&nonce, "secret")));
        gone.expires = Some(0);
        r.register(&gone, now);
        assert_eq!(r.contact_for("alice"), None);
    }

    #[test]
    fn wrong_password_unknown_user_and_stale_nonce() {
        let r = registrar();
        let now = Instant::now();
        let nonce = nonce_of(&r.register(&request(None), now));
        assert!(matches!(
            r.register(&request(Some(answer(&nonce, "guess"))), now),
            RegisterReply::Forbidden(_)
        ));
        assert_eq!(r.contact_for("alice"), None);
        let mut bob = request(None);
        bob.user = "bob".into();
        assert!(matches!(r.register(&bob, now), RegisterReply::Forbidden(_)));
        let later = now + NONCE_LIFETIME + Duration::from_secs(1);
        let RegisterReply::Challenge(header) =
            r.register(&request(Some(answer(&nonce, "secret"))), later)
        else {
            panic!("an old nonce is challenged again")
        };
        assert!(header.contains("stale=true"), "{header}");
    }
}
