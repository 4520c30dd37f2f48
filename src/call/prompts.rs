//! The few things the session says on its own, without asking the dialogue: goodbyes forced by timers, and
//! the line that tells a caller the bot has them back after a hand-over.

use crate::lang::Lang;

use super::protocol::HangupReason;

/// A goodbye the session plays before hanging up by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goodbye {
    /// The caller stayed silent through the reprompts.
    NoInput,
    /// The call reached its maximum length.
    TimeLimit,
}

impl Goodbye {
    /// The text, in the call's language.
    pub fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Goodbye::NoInput, Lang::En) => {
                "I haven't heard anything for a while, so I'll end the call now. Please call us again any time. Goodbye."
            }
            (Goodbye::NoInput, Lang::Zh) => {
                "您好像一直没有说话，我先挂断了。欢迎您随时再来电，再见。"
            }
            (Goodbye::TimeLimit, Lang::En) => {
                "We've reached the time limit for this call. Please call again if you need more help. Goodbye."
            }
            (Goodbye::TimeLimit, Lang::Zh) => {
                "本次通话已达到时间上限。如需更多帮助，欢迎再次来电，再见。"
            }
        }
    }

    /// The name its audio is cached under.
    pub fn prompt_key(self) -> &'static str {
        match self {
            Goodbye::NoInput => "goodbye-no-input",
            Goodbye::TimeLimit => "goodbye-time-limit",
        }
    }

    /// Why the call ends after this goodbye.
    pub fn reason(self) -> HangupReason {
        match self {
            Goodbye::NoInput => HangupReason::NoInput,
            Goodbye::TimeLimit => HangupReason::MaxDuration,
        }
    }
}

/// What the session says when a caller comes back to it from an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comeback {
    /// A person talked with the caller and handed them back (or hung up their side).
    FromAgent,
    /// Nobody took the call: the agent's phone went unanswered, or a transfer failed.
    NoAgent,
}

impl Comeback {
    /// The text, in the call's language.
    pub fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Comeback::FromAgent, Lang::En) => {
                "You're back with the virtual assistant. Is there anything else I can help you with?"
            }
            (Comeback::FromAgent, Lang::Zh) => "您已回到智能客服。请问还有什么可以帮您？",
            (Comeback::NoAgent, Lang::En) => {
                "Sorry, none of my colleagues could take your call just now. I'm still here: how can I help?"
            }
            (Comeback::NoAgent, Lang::Zh) => {
                "抱歉，现在没有同事能接听您的电话。我还在，请问有什么可以帮您？"
            }
        }
    }

    /// The name its audio is cached under.
    pub fn prompt_key(self) -> &'static str {
        match self {
            Comeback::FromAgent => "comeback-from-agent",
            Comeback::NoAgent => "comeback-no-agent",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_goodbye_is_in_its_language() {
        for goodbye in [Goodbye::NoInput, Goodbye::TimeLimit] {
            for lang in [Lang::Zh, Lang::En] {
                assert_eq!(
                    Lang::detect(goodbye.text(lang)),
                    Some(lang),
                    "{goodbye:?} {lang}"
                );
            }
        }
        for comeback in [Comeback::FromAgent, Comeback::NoAgent] {
            for lang in [Lang::Zh, Lang::En] {
                assert_eq!(
                    Lang::detect(comeback.text(lang)),
                    Some(lang),
                    "{comeback:?} {lang}"
                );
            }
        }
    }
}
