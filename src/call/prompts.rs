//! The few things the session says on its own, without asking the dialogue: goodbyes forced by timers.

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
    }
}
